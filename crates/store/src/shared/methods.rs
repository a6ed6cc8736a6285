//! The [`Store`](crate::store::Store) methods whose SQL and code are the same on both backends,
//! written once. `impl_store!` expands inside each backend's module, so the names in these bodies
//! (`rows::…`, `ts`, `now`, the `*_cols!`/`*_select!` macros, `Uuid`, the store's `reader()`,
//! `writer()` and `begin()`) resolve to that backend's own: the SQL text is shared, the encoding
//! of timestamps and JSON and the decoding of rows stay per backend. Methods whose statements
//! differ (seq allocation, batch insert, upserts, locking) are passed in by the backend.

/// `impl Store for $store { <the backend's own methods> <the shared ones> }`.
macro_rules! impl_store {
    ($store:ty, { $($own:tt)* }) => {
        #[async_trait::async_trait]
        impl crate::store::Store for $store {
            $($own)*

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await?;
                Ok(())
            }

            async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
                let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(rows::user).transpose()
            }

            async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
                let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE email = $1"))
                    .bind(email)
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(rows::user).transpose()
            }

            async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<User>> {
                let pattern = query.search.as_deref().map(like_pattern);
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    user_cols!(),
                    " FROM users WHERE ($1 IS NULL OR id > $1) \
                       AND ($2 IS NULL OR lower(email) LIKE $2 ESCAPE '\\' OR lower(name) LIKE $2 ESCAPE '\\') \
                     ORDER BY id LIMIT $3"
                ))
                .bind(query.after.map(|id| id.as_uuid()))
                .bind(pattern)
                .bind(i64::from(query.limit))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(rows::user).collect()
            }

            async fn count_users(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(self.reader()).await?)
            }

            async fn set_user_role(&self, id: UserId, role: UserRole) -> StoreResult<User> {
                let row = sqlx::query(concat!(
                    "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 RETURNING ",
                    user_cols!()
                ))
                .bind(id.as_uuid())
                .bind(role.as_str())
                .bind(ts(now()))
                .fetch_optional(self.writer())
                .await?;
                row.as_ref().map(rows::user).transpose()?.ok_or(StoreError::NotFound)
            }

            async fn set_user_active(&self, id: UserId, active: bool) -> StoreResult<User> {
                let row = sqlx::query(concat!(
                    "UPDATE users SET is_active = $2, updated_at = $3 WHERE id = $1 RETURNING ",
                    user_cols!()
                ))
                .bind(id.as_uuid())
                .bind(active)
                .bind(ts(now()))
                .fetch_optional(self.writer())
                .await?;
                row.as_ref().map(rows::user).transpose()?.ok_or(StoreError::NotFound)
            }

            async fn record_login(&self, id: UserId, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
                    .bind(id.as_uuid())
                    .bind(ts(at))
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            // ---- sessions ------------------------------------------------------------------------------

            async fn create_session(&self, new: NewSession) -> StoreResult<Session> {
                let row = sqlx::query(concat!(
                    "INSERT INTO sessions (id, family_id, user_id, token_hash, user_agent, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
                    session_cols!()
                ))
                .bind(new.id)
                .bind(new.family_id.as_uuid())
                .bind(new.user_id.as_uuid())
                .bind(&new.token_hash)
                .bind(&new.user_agent)
                .bind(ts(now()))
                .bind(ts(new.expires_at))
                .fetch_one(self.writer())
                .await
                .map_err(write_err)?;
                rows::session(&row)
            }

            async fn revoke_family(
                &self,
                user_id: UserId,
                family_id: SessionId,
                now: OffsetDateTime,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = $3 \
                     WHERE user_id = $1 AND family_id = $2 AND revoked_at IS NULL AND expires_at > $3",
                )
                .bind(user_id.as_uuid())
                .bind(family_id.as_uuid())
                .bind(ts(now))
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn prune_sessions(&self, before: OffsetDateTime) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                    .bind(ts(before))
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected())
            }

            async fn list_devices(&self, user_id: UserId, now: OffsetDateTime) -> StoreResult<Vec<Device>> {
                let rows = sqlx::query(
                    "SELECT s.family_id, s.user_agent, s.created_at AS last_used_at, s.expires_at, \
                            (SELECT MIN(f.created_at) FROM sessions f WHERE f.family_id = s.family_id) AS signed_in_at \
                     FROM sessions s \
                     WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.replaced_by IS NULL AND s.expires_at > $2 \
                       AND NOT EXISTS (SELECT 1 FROM sessions n \
                             WHERE n.family_id = s.family_id AND n.revoked_at IS NULL AND n.replaced_by IS NULL \
                               AND n.expires_at > $2 AND (n.created_at > s.created_at OR (n.created_at = s.created_at AND n.id > s.id))) \
                     ORDER BY signed_in_at DESC, s.family_id DESC",
                )
                .bind(user_id.as_uuid())
                .bind(ts(now))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(rows::device).collect()
            }

            async fn authenticate(
                &self,
                user_id: UserId,
                family_id: SessionId,
                now: OffsetDateTime,
            ) -> StoreResult<Option<User>> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    user_cols!(),
                    " FROM users WHERE id = $1 AND is_active = TRUE AND EXISTS ( \
                        SELECT 1 FROM sessions s WHERE s.family_id = $2 AND s.user_id = $1 \
                           AND s.revoked_at IS NULL AND s.replaced_by IS NULL AND s.expires_at > $3)"
                ))
                .bind(user_id.as_uuid())
                .bind(family_id.as_uuid())
                .bind(ts(now))
                .fetch_optional(self.reader())
                .await?;
                row.as_ref().map(rows::user).transpose()
            }

            async fn live_sessions(
                &self,
                families: &[SessionId],
                now: OffsetDateTime,
            ) -> StoreResult<Vec<SessionId>> {
                let mut live = Vec::new();
                for chunk in families.chunks(crate::store::LIVE_SESSIONS_CHUNK) {
                    let sql = crate::store::live_sessions_sql(chunk.len());
                    // Safe: the text holds only placeholders ($2 … $n+1), never a value.
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).bind(ts(now));
                    for family in chunk {
                        query = query.bind(family.as_uuid());
                    }
                    for row in query.fetch_all(self.reader()).await? {
                        live.push(SessionId::from_uuid(row.try_get::<Uuid, _>("family_id")?));
                    }
                }
                Ok(live)
            }

            // ---- rooms and members ---------------------------------------------------------------------

            async fn create_room(&self, new: NewRoom, members: &[UserId]) -> StoreResult<Room> {
                let at = now();
                let mut tx = self.begin().await?;
                let row = sqlx::query(concat!(
                    "INSERT INTO rooms (id, name, description, owner_id, visibility, system_prompt, model, ai_mode, \
                                        last_seq, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9) RETURNING ",
                    room_cols!()
                ))
                .bind(new.id.as_uuid())
                .bind(&new.name)
                .bind(&new.description)
                .bind(new.owner_id.as_uuid())
                .bind(new.visibility.as_str())
                .bind(&new.system_prompt)
                .bind(&new.model)
                .bind(new.ai_mode.as_str())
                .bind(ts(at))
                .fetch_one(&mut *tx)
                .await
                .map_err(write_err)?;
                let room = rows::room(&row)?;
                insert_member(&mut tx, new.id, new.owner_id, MemberRole::Owner, at).await?;
                for &user_id in members {
                    if user_id != new.owner_id {
                        insert_member(&mut tx, new.id, user_id, MemberRole::Member, at).await?;
                    }
                }
                tx.commit().await?;
                Ok(room)
            }

            async fn room(&self, id: RoomId) -> StoreResult<Option<Room>> {
                let row = sqlx::query(concat!("SELECT ", room_cols!(), " FROM rooms WHERE id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(rows::room).transpose()
            }

            async fn room_if_member(&self, id: RoomId, user_id: UserId) -> StoreResult<Option<Room>> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    room_cols!(),
                    " FROM rooms WHERE id = $1 AND EXISTS \
                      (SELECT 1 FROM room_members m WHERE m.room_id = rooms.id AND m.user_id = $2)"
                ))
                .bind(id.as_uuid())
                .bind(user_id.as_uuid())
                .fetch_optional(self.reader())
                .await?;
                row.as_ref().map(rows::room).transpose()
            }

            async fn room_for_member(&self, id: RoomId, user_id: UserId) -> StoreResult<Option<RoomSummary>> {
                Ok(self.summaries(user_id, Some(id), 1).await?.into_iter().next())
            }

            async fn list_rooms_for_user(&self, user_id: UserId, limit: u32) -> StoreResult<Vec<RoomSummary>> {
                self.summaries(user_id, None, limit).await
            }

            async fn update_room(&self, id: RoomId, patch: RoomPatch) -> StoreResult<Room> {
                let mut tx = self.begin().await?;
                let row = sqlx::query(concat!("SELECT ", room_cols!(), " FROM rooms WHERE id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let mut room = rows::room(&row)?;
                apply_patch(&mut room, patch);
                let row = sqlx::query(concat!(
                    "UPDATE rooms SET name = $2, description = $3, visibility = $4, system_prompt = $5, model = $6, \
                                      ai_mode = $7, updated_at = $8 \
                     WHERE id = $1 RETURNING ",
                    room_cols!()
                ))
                .bind(id.as_uuid())
                .bind(&room.name)
                .bind(&room.description)
                .bind(room.visibility.as_str())
                .bind(&room.system_prompt)
                .bind(&room.model)
                .bind(room.ai_mode.as_str())
                .bind(ts(now()))
                .fetch_one(&mut *tx)
                .await?;
                let room = rows::room(&row)?;
                tx.commit().await?;
                Ok(room)
            }

            async fn delete_room(&self, id: RoomId) -> StoreResult<bool> {
                let done =
                    sqlx::query("DELETE FROM rooms WHERE id = $1").bind(id.as_uuid()).execute(self.writer()).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn member(&self, room_id: RoomId, user_id: UserId) -> StoreResult<Option<Member>> {
                let row = sqlx::query(concat!(member_select!(), "WHERE rm.room_id = $1 AND rm.user_id = $2"))
                    .bind(room_id.as_uuid())
                    .bind(user_id.as_uuid())
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(rows::member).transpose()
            }

            async fn add_member(
                &self,
                room_id: RoomId,
                user_id: UserId,
                role: MemberRole,
            ) -> StoreResult<(Member, bool)> {
                let mut tx = self.begin().await?;
                let created = insert_member(&mut tx, room_id, user_id, role, now()).await?;
                let row = sqlx::query(concat!(member_select!(), "WHERE rm.room_id = $1 AND rm.user_id = $2"))
                    .bind(room_id.as_uuid())
                    .bind(user_id.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let member = rows::member(&row)?;
                tx.commit().await?;
                Ok((member, created))
            }

            async fn remove_member(&self, room_id: RoomId, user_id: UserId) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
                    .bind(room_id.as_uuid())
                    .bind(user_id.as_uuid())
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn list_members(
                &self,
                room_id: RoomId,
                after: Option<UserId>,
                limit: u32,
            ) -> StoreResult<Vec<Member>> {
                let rows = sqlx::query(concat!(
                    member_select!(),
                    "WHERE rm.room_id = $1 AND ($2 IS NULL OR rm.user_id > $2) ORDER BY rm.user_id LIMIT $3"
                ))
                .bind(room_id.as_uuid())
                .bind(after.map(|id| id.as_uuid()))
                .bind(i64::from(limit))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(rows::member).collect()
            }

            async fn count_owned_rooms(&self, user_id: UserId) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM rooms WHERE owner_id = $1")
                    .bind(user_id.as_uuid())
                    .fetch_one(self.reader())
                    .await?)
            }

            async fn count_members(&self, room_id: RoomId) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM room_members WHERE room_id = $1")
                    .bind(room_id.as_uuid())
                    .fetch_one(self.reader())
                    .await?)
            }

            async fn append_message(&self, new: NewMessage) -> StoreResult<Appended> {
                let mut tx = self.begin().await?;
                match append_in(&mut tx, &new).await {
                    Ok(appended) => {
                        tx.commit().await?;
                        Ok(appended)
                    }
                    Err(AppendError::ClientIdTaken(e)) => {
                        // A concurrent append with the same idempotency key committed after our check:
                        // undo the seq bump and answer with its message.
                        tx.rollback().await?;
                        self.first_with_client_id(&new).await?.map(Appended::Duplicate).ok_or(StoreError::Database(e))
                    }
                    Err(AppendError::RoomMissing) => Err(StoreError::NotFound),
                    Err(AppendError::Store(e)) => Err(e),
                }
            }

            async fn message(&self, id: MessageId) -> StoreResult<Option<Message>> {
                let row = sqlx::query(concat!(message_select!(), "WHERE m.id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| rows::message(&r, "")).transpose()
            }

            async fn list_messages(&self, room_id: RoomId, query: HistoryQuery) -> StoreResult<Vec<Message>> {
                let before = query.before.unwrap_or(i64::MAX);
                let limit = i64::from(query.limit);
                let rows = match query.after {
                    // The oldest `limit` after the cursor (and before `before`, if set).
                    Some(after) => {
                        sqlx::query(concat!(
                            message_select!(),
                            "WHERE m.room_id = $1 AND m.seq > $2 AND m.seq < $3 ORDER BY m.seq ASC LIMIT $4"
                        ))
                        .bind(room_id.as_uuid())
                        .bind(after)
                        .bind(before)
                        .bind(limit)
                        .fetch_all(self.reader())
                        .await?
                    }
                    // The newest `limit` (before the cursor, if set), read newest first, then reversed.
                    None => {
                        let mut rows = sqlx::query(concat!(
                            message_select!(),
                            "WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3"
                        ))
                        .bind(room_id.as_uuid())
                        .bind(before)
                        .bind(limit)
                        .fetch_all(self.reader())
                        .await?;
                        rows.reverse();
                        rows
                    }
                };
                rows.iter().map(|r| rows::message(r, "")).collect()
            }

            // ---- audit ---------------------------------------------------------------------------------

            async fn update_message(
                &self,
                id: MessageId,
                content: &str,
                status: MessageStatus,
                error: Option<&str>,
            ) -> StoreResult<Message> {
                let updated = sqlx::query(
                    "UPDATE messages SET content = $1, status = $2, error = $3, updated_at = $4 WHERE id = $5",
                )
                .bind(content)
                .bind(status.as_str())
                .bind(error)
                .bind(ts(now()))
                .bind(id.as_uuid())
                .execute(self.writer())
                .await
                .map_err(write_err)?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                self.message(id).await?.ok_or(StoreError::NotFound)
            }

            async fn interrupt_streaming(&self, not_flushed_since: OffsetDateTime) -> StoreResult<u64> {
                let done = sqlx::query(
                    "UPDATE messages SET status = 'interrupted', updated_at = $1 \
                     WHERE status = 'streaming' AND updated_at < $2",
                )
                .bind(ts(now()))
                .bind(ts(not_flushed_since))
                .execute(self.writer())
                .await
                .map_err(write_err)?;
                Ok(done.rows_affected())
            }

            async fn record_usage(&self, usage: NewUsage) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO token_usage (id, message_id, user_id, room_id, provider, model, input_tokens, output_tokens, \
                                              cache_creation_tokens, cache_read_tokens, cost, ttft_ms, duration_ms, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(usage.id)
                .bind(usage.message_id.map(|id| id.as_uuid()))
                .bind(usage.user_id.map(|id| id.as_uuid()))
                .bind(usage.room_id.map(|id| id.as_uuid()))
                .bind(&usage.provider)
                .bind(&usage.model)
                .bind(usage.input_tokens)
                .bind(usage.output_tokens)
                .bind(usage.cache_creation_tokens)
                .bind(usage.cache_read_tokens)
                .bind(usage.cost)
                .bind(usage.ttft_ms)
                .bind(usage.duration_ms)
                .bind(ts(now()))
                .execute(self.writer())
                .await
                .map_err(write_err)?;
                Ok(())
            }

            async fn usage_totals(&self, user_id: UserId, since: OffsetDateTime) -> StoreResult<UsageTotals> {
                let row = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens), 0) AS BIGINT), \
                            CAST(COALESCE(SUM(cost), 0) AS BIGINT) \
                     FROM token_usage WHERE user_id = $1 AND created_at >= $2",
                )
                .bind(user_id.as_uuid())
                .bind(ts(since))
                .fetch_one(self.reader())
                .await?;
                Ok(UsageTotals { tokens: row.try_get(0)?, cost: row.try_get(1)? })
            }

            async fn record_audit(&self, entry: NewAuditEntry) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO audit_log (id, actor_id, action, target, detail, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(Uuid::now_v7())
                .bind(entry.actor_id.map(|id| id.as_uuid()))
                .bind(&entry.action)
                .bind(&entry.target)
                .bind(json(&entry.detail))
                .bind(ts(now()))
                .execute(self.writer())
                .await
                .map_err(write_err)?;
                Ok(())
            }

            async fn list_audit(&self, action: Option<&str>, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                let rows = sqlx::query(
                    "SELECT id, actor_id, action, target, detail, created_at FROM audit_log \
                     WHERE ($1 IS NULL OR action = $1) ORDER BY created_at DESC, id DESC LIMIT $2",
                )
                .bind(action)
                .bind(i64::from(limit))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(rows::audit).collect()
            }
        }
    };
}

pub(crate) use impl_store;
