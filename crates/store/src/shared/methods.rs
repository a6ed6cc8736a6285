//! The [`Store`](crate::store::Store) methods whose SQL and code are the same on both backends,
//! written once. `impl_store!` expands inside each backend's module, so the names in these bodies
//! (`rows::…`, `ts`, `now`, the `*_cols!`/`*_select!` macros, `Uuid`, the store's `reader()` and
//! `writer()`, each a connection the caller holds until it drops it, used as `&mut *conn`, and
//! `begin(&mut writer)`) resolve to that backend's own: the SQL text is shared, the encoding
//! of timestamps and JSON and the decoding of rows stay per backend. Methods whose statements
//! differ (seq allocation, batch insert) are passed in by the backend; a few statements differ only
//! in their SQL text ([`crate::shared::sql`], twin next to twin), and a backend answers two
//! questions of its own: `may_hold` (may a session hold this token? SQLite asks a reader first so
//! an unknown token never takes the write lock) and `serialize_first_user` (PostgreSQL takes an
//! advisory lock; SQLite's single writer already serialises), and `append_in_one_statement` (SQLite
//! stores a whole batch with one `INSERT … RETURNING` when nothing needs checking first).

/// `impl Store for $store { backend() = $backend, <the backend's own methods>, <the shared ones> }`.
macro_rules! impl_store {
    ($store:ty, $backend:literal, { $($own:tt)* }) => {
        #[async_trait::async_trait]
        impl crate::store::Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            $($own)*

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&mut *self.reader().await?).await?;
                Ok(())
            }

            // The admin console's reads (`shared::admin`).
            async fn dashboard(
                &self,
                first_day: &str,
                active_since: (OffsetDateTime, OffsetDateTime),
            ) -> StoreResult<DashboardFigures> {
                self.read_dashboard(first_day, active_since).await
            }

            async fn usage_report(&self, group: UsageGroup, from: &str, to: &str) -> StoreResult<Vec<UsageLine>> {
                self.read_usage_report(group, from, to).await
            }

            async fn admin_rooms(&self, query: &AdminRoomQuery) -> StoreResult<Vec<AdminRoom>> {
                self.read_admin_rooms(query).await
            }

            async fn failed_answers(&self, before: Option<MessageId>, limit: u32) -> StoreResult<Vec<FailedAnswer>> {
                self.read_failed_answers(before, limit).await
            }

            async fn set_user_budget(&self, id: UserId, tokens: Option<i64>, cost: Option<i64>) -> StoreResult<User> {
                self.write_user_budget(id, tokens, cost).await
            }

            async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
                let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(&mut *self.reader().await?)
                    .await?;
                row.as_ref().map(rows::user).transpose()
            }

            async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
                let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE email = $1"))
                    .bind(email)
                    .fetch_optional(&mut *self.reader().await?)
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
                .fetch_all(&mut *self.reader().await?)
                .await?;
                rows.iter().map(rows::user).collect()
            }

            async fn count_users(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *self.reader().await?).await?)
            }

            async fn set_user_role(&self, id: UserId, role: UserRole) -> StoreResult<User> {
                let row = sqlx::query(concat!(
                    "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 RETURNING ",
                    user_cols!()
                ))
                .bind(id.as_uuid())
                .bind(role.as_str())
                .bind(ts(now()))
                .fetch_optional(&mut *self.writer().await?)
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
                .fetch_optional(&mut *self.writer().await?)
                .await?;
                row.as_ref().map(rows::user).transpose()?.ok_or(StoreError::NotFound)
            }

            async fn record_login(&self, id: UserId, at: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("UPDATE users SET last_login_at = $2, last_active_at = $2 WHERE id = $1")
                    .bind(id.as_uuid())
                    .bind(ts(at))
                    .execute(&mut *self.writer().await?)
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
                .fetch_one(&mut *self.writer().await?)
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
                .execute(&mut *self.writer().await?)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn prune_sessions(&self, before: OffsetDateTime) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                    .bind(ts(before))
                    .execute(&mut *self.writer().await?)
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
                .fetch_all(&mut *self.reader().await?)
                .await?;
                rows.iter().map(rows::device).collect()
            }

            async fn authenticate(
                &self,
                user_id: UserId,
                family_id: SessionId,
                now: OffsetDateTime,
            ) -> StoreResult<Option<User>> {
                let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE ", live_session_of!()))
                    .bind(user_id.as_uuid())
                    .bind(family_id.as_uuid())
                    .bind(ts(now))
                    .fetch_optional(&mut *self.reader().await?)
                    .await?;
                row.as_ref().map(rows::user).transpose()
            }

            async fn authenticate_with_rooms(
                &self,
                user_id: UserId,
                family_id: SessionId,
                now: OffsetDateTime,
            ) -> StoreResult<Option<Authenticated>> {
                // One row per room (the user's columns repeated), or one with a null room.
                let rows = sqlx::query(concat!(
                    "SELECT u.*, me.room_id AS member_of FROM (SELECT ",
                    user_cols!(),
                    " FROM users WHERE ",
                    live_session_of!(),
                    ") u LEFT JOIN room_members me ON me.user_id = u.id"
                ))
                .bind(user_id.as_uuid())
                .bind(family_id.as_uuid())
                .bind(ts(now))
                .fetch_all(&mut *self.reader().await?)
                .await?;
                let Some(first) = rows.first() else { return Ok(None) };
                let user = rows::user(first)?;
                let mut member_of = Vec::with_capacity(rows.len());
                for row in &rows {
                    if let Some(room) = row.try_get::<Option<Uuid>, _>("member_of")? {
                        member_of.push(RoomId::from_uuid(room));
                    }
                }
                Ok(Some(Authenticated { user, member_of }))
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
                    for row in query.fetch_all(&mut *self.reader().await?).await? {
                        live.push(SessionId::from_uuid(row.try_get::<Uuid, _>("family_id")?));
                    }
                }
                Ok(live)
            }

            // ---- rooms and members ---------------------------------------------------------------------

            async fn create_room(&self, new: NewRoom, members: &[UserId]) -> StoreResult<Room> {
                let at = now();
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
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
                    .fetch_optional(&mut *self.reader().await?)
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
                .fetch_optional(&mut *self.reader().await?)
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
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                let row = sqlx::query(concat!("SELECT ", room_cols!(), " FROM rooms WHERE id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let mut room = rows::room(&row)?;
                patch.apply_to(&mut room);
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
                    sqlx::query("DELETE FROM rooms WHERE id = $1").bind(id.as_uuid()).execute(&mut *self.writer().await?).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn member(&self, room_id: RoomId, user_id: UserId) -> StoreResult<Option<Member>> {
                let row = sqlx::query(concat!(member_select!(), "WHERE rm.room_id = $1 AND rm.user_id = $2"))
                    .bind(room_id.as_uuid())
                    .bind(user_id.as_uuid())
                    .fetch_optional(&mut *self.reader().await?)
                    .await?;
                row.as_ref().map(rows::member).transpose()
            }

            async fn add_member(
                &self,
                room_id: RoomId,
                user_id: UserId,
                role: MemberRole,
            ) -> StoreResult<(Member, bool)> {
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
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
                    .execute(&mut *self.writer().await?)
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
                .fetch_all(&mut *self.reader().await?)
                .await?;
                rows.iter().map(rows::member).collect()
            }

            async fn member_room_ids(&self, user_id: UserId) -> StoreResult<Vec<RoomId>> {
                let ids: Vec<Uuid> = sqlx::query_scalar("SELECT room_id FROM room_members WHERE user_id = $1")
                    .bind(user_id.as_uuid())
                    .fetch_all(&mut *self.reader().await?)
                    .await?;
                Ok(ids.into_iter().map(RoomId::from_uuid).collect())
            }

            async fn count_owned_rooms(&self, user_id: UserId) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM rooms WHERE owner_id = $1")
                    .bind(user_id.as_uuid())
                    .fetch_one(&mut *self.reader().await?)
                    .await?)
            }

            async fn count_members(&self, room_id: RoomId) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COALESCE((SELECT member_count FROM rooms WHERE id = $1), 0)")
                    .bind(room_id.as_uuid())
                    .fetch_one(&mut *self.reader().await?)
                    .await?)
            }

            async fn append_message(&self, new: NewMessage) -> StoreResult<Appended> {
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                match append_in(&mut tx, &new).await {
                    Ok(appended) => {
                        tx.commit().await?;
                        Ok(appended)
                    }
                    Err(AppendError::ClientIdTaken(e)) => {
                        // A concurrent append with the same idempotency key committed after our check:
                        // undo the seq bump and answer with its message.
                        tx.rollback().await?;
                        drop(writer); // the lookup may need the same connection (SQLite in memory)
                        self.first_with_client_id(&new).await?.map(Appended::Duplicate).ok_or_else(|| e.into())
                    }
                    Err(AppendError::RoomMissing) => Err(StoreError::NotFound),
                    Err(AppendError::Store(e)) => Err(e),
                }
            }

            async fn message(&self, id: MessageId) -> StoreResult<Option<Message>> {
                let row = sqlx::query(concat!(message_select!(), "WHERE m.id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(&mut *self.reader().await?)
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
                        .fetch_all(&mut *self.reader().await?)
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
                        .fetch_all(&mut *self.reader().await?)
                        .await?;
                        rows.reverse();
                        rows
                    }
                };
                rows.iter().map(|r| rows::message(r, "")).collect()
            }

            async fn prompt_history(
                &self,
                room_id: RoomId,
                before: Option<i64>,
                limit: u32,
            ) -> StoreResult<Vec<PromptMessage>> {
                // The newest first (the index on (room_id, seq) walked backwards), then reversed.
                let mut rows = sqlx::query(
                    "SELECT m.id, m.seq, m.user_id, u.name AS user_name, m.role, m.content, m.status, m.reply_to, \
                     m.client_id, m.deleted_at IS NOT NULL AS deleted, m.prompt, m.active_reply \
                     FROM messages m LEFT JOIN users u ON u.id = m.user_id \
                     WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3",
                )
                .bind(room_id.as_uuid())
                .bind(before.unwrap_or(i64::MAX))
                .bind(i64::from(limit))
                .fetch_all(&mut *self.reader().await?)
                .await?;
                rows.reverse();
                rows.iter().map(rows::prompt_message).collect()
            }

            // ---- audit ---------------------------------------------------------------------------------

            async fn update_message(
                &self,
                id: MessageId,
                content: &str,
                status: MessageStatus,
                error: Option<&str>,
            ) -> StoreResult<Message> {
                // A flush, every second per live answer: one statement, no transaction.
                if !set_message_text(&mut *self.writer().await?, id, content, status, error).await? {
                    return Err(StoreError::NotFound);
                }
                self.message(id).await?.ok_or(StoreError::NotFound)
            }

            async fn finish_answer(
                &self,
                id: MessageId,
                content: &str,
                status: MessageStatus,
                error: Option<&str>,
                usage: Option<NewUsage>,
            ) -> StoreResult<Message> {
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                let message = finish_answer_in(&mut tx, id, content, status, error, usage.as_ref()).await??;
                tx.commit().await?;
                Ok(message)
            }

            async fn write_answers(&self, batch: Vec<AnswerWrite>) -> StoreResult<Vec<StoreResult<AnswerWritten>>> {
                let mut writer = self.writer().await?;
                let together = write_answers_in_one(begin(&mut writer).await?, &batch).await;
                drop(writer);
                match together {
                    Ok(results) => Ok(results),
                    // A write the database refuses must not take the others down with it: each
                    // again in a transaction of its own, so only that one fails.
                    Err(err) if batch.len() > 1 && !matches!(err, StoreError::Unavailable(_)) => {
                        tracing::warn!(error = %err, size = batch.len(), "answer writes failed together; writing each alone");
                        let mut results = Vec::with_capacity(batch.len());
                        for write in &batch {
                            let alone = match self.writer().await {
                                Ok(mut writer) => match begin(&mut writer).await {
                                    Ok(tx) => write_answers_in_one(tx, std::slice::from_ref(write)).await,
                                    Err(err) => Err(err),
                                },
                                Err(err) => Err(err),
                            };
                            results.push(alone.and_then(|mut one| one.pop().unwrap_or(Err(StoreError::NotFound))));
                        }
                        Ok(results)
                    }
                    Err(err) => Err(err),
                }
            }

            async fn edit_message(&self, id: MessageId, content: &str, at: OffsetDateTime) -> StoreResult<Message> {
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                // The answers so far answered the text being replaced: each keeps it (once).
                sqlx::query(
                    "UPDATE messages SET prompt = (SELECT q.content FROM messages q WHERE q.id = $1) \
                     WHERE reply_to = $1 AND prompt IS NULL \
                       AND (SELECT q.content FROM messages q WHERE q.id = $1) <> $2",
                )
                .bind(id.as_uuid())
                .bind(content)
                .execute(&mut *tx)
                .await
                .map_err(write_err)?;
                let updated = sqlx::query(
                    "UPDATE messages SET content = $2, edited_at = $3, updated_at = $3, active_reply = NULL \
                     WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id.as_uuid())
                .bind(content)
                .bind(ts(at))
                .execute(&mut *tx)
                .await
                .map_err(write_err)?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::NotFound); // dropping `tx` rolls the prompts back
                }
                let message = message_in(&mut tx, id.as_uuid()).await?;
                tx.commit().await?;
                Ok(message)
            }

            async fn delete_message(&self, id: MessageId, at: OffsetDateTime) -> StoreResult<Message> {
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                let updated = sqlx::query(
                    "UPDATE messages SET content = '', deleted_at = $2, updated_at = $2, prompt = NULL \
                     WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id.as_uuid())
                .bind(ts(at))
                .execute(&mut *tx)
                .await
                .map_err(write_err)?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("UPDATE messages SET prompt = NULL WHERE reply_to = $1 AND prompt IS NOT NULL")
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(write_err)?;
                let message = message_in(&mut tx, id.as_uuid()).await?;
                tx.commit().await?;
                Ok(message)
            }

            async fn set_active_reply(&self, question: MessageId, answer: Option<MessageId>) -> StoreResult<Message> {
                let updated = sqlx::query("UPDATE messages SET active_reply = $2 WHERE id = $1")
                    .bind(question.as_uuid())
                    .bind(answer.map(|id| id.as_uuid()))
                    .execute(&mut *self.writer().await?)
                    .await
                    .map_err(write_err)?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                self.message(question).await?.ok_or(StoreError::NotFound)
            }

            async fn replies(&self, question: MessageId) -> StoreResult<Vec<Message>> {
                let rows = sqlx::query(concat!(message_select!(), "WHERE m.reply_to = $1 ORDER BY m.seq"))
                    .bind(question.as_uuid())
                    .fetch_all(&mut *self.reader().await?)
                    .await?;
                rows.iter().map(|r| rows::message(r, "")).collect()
            }

            async fn usage_of_messages(&self, room_id: RoomId, after: i64, up_to: i64) -> StoreResult<Vec<MessageUsage>> {
                let rows = sqlx::query(
                    "SELECT t.message_id, CAST(SUM(t.input_tokens) AS BIGINT) AS input_tokens, CAST(SUM(t.output_tokens) AS BIGINT) AS output_tokens, \
                            CAST(SUM(t.cache_read_tokens) AS BIGINT) AS cache_read_tokens, \
                            CAST(SUM(t.cache_creation_tokens) AS BIGINT) AS cache_creation_tokens, CAST(SUM(t.cost) AS BIGINT) AS cost \
                     FROM messages m JOIN token_usage t ON t.message_id = m.id \
                     WHERE m.room_id = $1 AND m.seq > $2 AND m.seq <= $3 AND m.role = 'assistant' \
                     GROUP BY t.message_id",
                )
                .bind(room_id.as_uuid())
                .bind(after)
                .bind(up_to)
                .fetch_all(&mut *self.reader().await?)
                .await?;
                rows.iter().map(rows::message_usage).collect()
            }

            async fn create_share(&self, share: &ShareLink) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO share_links (id, token, room_id, created_by, up_to_seq, created_at, expires_at, revoked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
                )
                .bind(share.id)
                .bind(&share.token)
                .bind(share.room_id.as_uuid())
                .bind(share.created_by.map(|id| id.as_uuid()))
                .bind(share.up_to_seq)
                .bind(ts(share.created_at))
                .bind(share.expires_at.map(ts))
                .execute(&mut *self.writer().await?)
                .await
                .map_err(write_err)?;
                Ok(())
            }

            async fn list_shares(&self, room_id: RoomId) -> StoreResult<Vec<ShareLink>> {
                let rows = sqlx::query(concat!("SELECT ", share_cols!(), " FROM share_links WHERE room_id = $1 ORDER BY created_at DESC, id DESC"))
                    .bind(room_id.as_uuid())
                    .fetch_all(&mut *self.reader().await?)
                    .await?;
                rows.iter().map(rows::share_link).collect()
            }

            async fn share_by_token(&self, token: &str) -> StoreResult<Option<ShareLink>> {
                let row = sqlx::query(concat!("SELECT ", share_cols!(), " FROM share_links WHERE token = $1"))
                    .bind(token)
                    .fetch_optional(&mut *self.reader().await?)
                    .await?;
                row.as_ref().map(rows::share_link).transpose()
            }

            async fn revoke_share(&self, room_id: RoomId, id: Uuid, at: OffsetDateTime) -> StoreResult<Option<ShareLink>> {
                let row = sqlx::query(concat!(
                    "UPDATE share_links SET revoked_at = $3 WHERE id = $1 AND room_id = $2 AND revoked_at IS NULL RETURNING ",
                    share_cols!()
                ))
                .bind(id)
                .bind(room_id.as_uuid())
                .bind(ts(at))
                .fetch_optional(&mut *self.writer().await?)
                .await
                .map_err(write_err)?;
                row.as_ref().map(rows::share_link).transpose()
            }

            async fn interrupt_streaming(&self, not_flushed_since: OffsetDateTime) -> StoreResult<Vec<Message>> {
                let ids: Vec<Uuid> = sqlx::query_scalar(crate::statements::INTERRUPT_STREAMING)
                .bind(ts(now()))
                .bind(ts(not_flushed_since))
                .fetch_all(&mut *self.writer().await?)
                .await
                .map_err(write_err)?;
                let mut interrupted = Vec::with_capacity(ids.len());
                for id in ids {
                    // Gone only if its room was deleted meanwhile: nothing left to announce.
                    if let Some(message) = self.message(MessageId::from_uuid(id)).await? {
                        interrupted.push(message);
                    }
                }
                Ok(interrupted)
            }

            async fn record_usage(&self, usage: NewUsage) -> StoreResult<()> {
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                insert_usage_in(&mut tx, &usage).await?;
                Ok(tx.commit().await?)
            }

            async fn usage_on_day(&self, user_id: UserId, day: &str) -> StoreResult<UsageTotals> {
                // From the day's sums kept on write (`usage_days`, one row per room and model),
                // not from the usage rows: a budget check before every answer stays as cheap on
                // the user's thousandth answer of the day as on the first.
                let row = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens), 0) AS BIGINT), \
                            CAST(COALESCE(SUM(cost), 0) AS BIGINT), \
                            (SELECT daily_token_budget FROM users WHERE id = $1), \
                            (SELECT daily_cost_budget FROM users WHERE id = $1) \
                     FROM usage_days WHERE user_id = $1 AND day = $2",
                )
                .bind(user_id.as_uuid())
                .bind(day)
                .fetch_one(&mut *self.reader().await?)
                .await?;
                Ok(UsageTotals {
                    tokens: row.try_get(0)?,
                    cost: row.try_get(1)?,
                    token_budget: row.try_get(2)?,
                    cost_budget: row.try_get(3)?,
                })
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
                .execute(&mut *self.writer().await?)
                .await
                .map_err(write_err)?;
                Ok(())
            }

            async fn audit_page(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
                // Ids are UUID v7: their order is the order of recording, on both backends.
                let rows = sqlx::query(
                    "SELECT id, actor_id, action, target, detail, created_at FROM audit_log \
                     WHERE ($1 IS NULL OR action = $1) AND ($2 IS NULL OR actor_id = $2) \
                       AND ($3 IS NULL OR created_at >= $3) AND ($4 IS NULL OR created_at < $4) \
                       AND ($5 IS NULL OR id < $5) \
                     ORDER BY id DESC LIMIT $6",
                )
                .bind(query.action.as_deref())
                .bind(query.actor_id.map(|id| id.as_uuid()))
                .bind(query.since.map(ts))
                .bind(query.until.map(ts))
                .bind(query.before)
                .bind(i64::from(query.limit))
                .fetch_all(&mut *self.reader().await?)
                .await?;
                rows.iter().map(rows::audit).collect()
            }

            async fn create_user(&self, new: NewUser, first_becomes_admin: bool) -> StoreResult<User> {
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                // "Is the table empty" and the insert, one registration at a time.
                self.serialize_first_user(&mut tx).await?;
                let role = if first_becomes_admin {
                    let any: bool =
                        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)").fetch_one(&mut *tx).await?;
                    if any { new.role } else { UserRole::Admin }
                } else {
                    new.role
                };
                let at = ts(now());
                let row = sqlx::query(concat!(
                    "INSERT INTO users (id, email, name, password_hash, role, is_active, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ",
                    user_cols!()
                ))
                .bind(new.id.as_uuid())
                .bind(&new.email)
                .bind(&new.name)
                .bind(&new.password_hash)
                .bind(role.as_str())
                .bind(true)
                .bind(&at)
                .fetch_one(&mut *tx)
                .await
                .map_err(write_err)?;
                let user = rows::user(&row)?;
                tx.commit().await?;
                Ok(user)
            }

            async fn rotate_session_with_grace(
                &self,
                token_hash: &str,
                next: NewSession,
                now: OffsetDateTime,
                grace: time::Duration,
            ) -> StoreResult<Rotation> {
                if !self.may_hold(token_hash).await? {
                    return Ok(Rotation::Unknown);
                }
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                let Some(row) =
                    sqlx::query(concat!("SELECT ", session_cols!(), " FROM sessions WHERE token_hash = $1"))
                        .bind(token_hash)
                        .fetch_optional(&mut *tx)
                        .await?
                else {
                    return Ok(Rotation::Unknown);
                };
                let current = rows::session(&row)?;
                let (user_id, family_id) = (current.user_id, current.family_id);

                if current.revoked_at.is_some() || current.replaced_by.is_some() {
                    let just_rotated =
                        current.replaced_by.is_some() && current.revoked_at.is_some_and(|at| now - at < grace);
                    if just_rotated
                        && family_is_live(&mut tx, family_id.as_uuid(), now).await?
                        && spend_grace(&mut tx, current.id, now, grace).await?
                    {
                        insert_next(&mut tx, &next, family_id, user_id, now).await?;
                        tx.commit().await?;
                        return Ok(Rotation::Rotated { user_id, family_id });
                    }
                    revoke_family_in(&mut tx, family_id.as_uuid(), now).await?;
                    tx.commit().await?;
                    return Ok(Rotation::Reused { user_id, family_id });
                }
                if current.expires_at <= now {
                    return Ok(Rotation::Expired);
                }
                let retired = sqlx::query(
                    "UPDATE sessions SET revoked_at = $2, replaced_by = $3 \
                         WHERE id = $1 AND revoked_at IS NULL AND replaced_by IS NULL",
                )
                .bind(current.id)
                .bind(ts(now))
                .bind(next.id)
                .execute(&mut *tx)
                .await?;
                if retired.rows_affected() != 1 {
                    // Another rotation won just now: within the grace period this is the same client
                    // racing itself, otherwise presenting the token again is reuse.
                    if !grace.is_zero() && family_is_live(&mut tx, family_id.as_uuid(), now).await? {
                        insert_next(&mut tx, &next, family_id, user_id, now).await?;
                        tx.commit().await?;
                        return Ok(Rotation::Rotated { user_id, family_id });
                    }
                    revoke_family_in(&mut tx, family_id.as_uuid(), now).await?;
                    tx.commit().await?;
                    return Ok(Rotation::Reused { user_id, family_id });
                }
                insert_next(&mut tx, &next, family_id, user_id, now).await?;
                tx.commit().await?;
                Ok(Rotation::Rotated { user_id, family_id })
            }

            async fn revoke_session_by_token(
                &self,
                token_hash: &str,
                now: OffsetDateTime,
            ) -> StoreResult<Option<(UserId, SessionId)>> {
                if !self.may_hold(token_hash).await? {
                    return Ok(None);
                }
                let mut writer = self.writer().await?;
                let mut tx = begin(&mut writer).await?;
                let Some(row) = sqlx::query("SELECT user_id, family_id FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&mut *tx)
                    .await?
                else {
                    return Ok(None);
                };
                let user_id: Uuid = row.try_get("user_id")?;
                let family_id: Uuid = row.try_get("family_id")?;
                revoke_family_in(&mut tx, family_id, now).await?;
                tx.commit().await?;
                Ok(Some((UserId::from_uuid(user_id), SessionId::from_uuid(family_id))))
            }

            async fn mark_read(&self, room_id: RoomId, user_id: UserId, seq: i64) -> StoreResult<i64> {
                let stored: Option<i64> = sqlx::query_scalar(sql::MARK_READ)
                .bind(room_id.as_uuid())
                .bind(user_id.as_uuid())
                .bind(seq)
                .fetch_optional(&mut *self.writer().await?)
                .await?;
                stored.ok_or(StoreError::NotFound)
            }

            async fn append_messages(&self, batch: Vec<NewMessage>) -> StoreResult<Vec<StoreResult<Appended>>> {
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                let mut writer = self.writer().await?;
                if let Some(results) = append_in_one_statement(&mut writer, &batch).await {
                    return Ok(results);
                }
                let mut tx = begin(&mut writer).await?;
                match append_batch_in(&mut tx, &batch).await {
                    Ok(results) => {
                        tx.commit().await?;
                        Ok(results)
                    }
                    Err(err) => {
                        // An unknown author, or a clientId taken by a concurrent writer on another
                        // instance: store each message on its own so one cannot fail the others.
                        tracing::debug!(error = %err, "batch append failed; appending one by one");
                        tx.rollback().await?;
                        drop(writer); // each append below takes the writer in turn
                        let mut results = Vec::with_capacity(batch.len());
                        for new in batch {
                            results.push(self.append_message(new).await);
                        }
                        Ok(results)
                    }
                }
            }
        }
    };
}

pub(crate) use impl_store;

/// Steps of the session and message transactions, the same on both backends: expanded at the top
/// of each backend's module, where `Db` names its database.
macro_rules! transaction_helpers {
    () => {
        /// Revokes every live token of a family.
        async fn revoke_family_in(
            tx: &mut Transaction<'_, Db>,
            family: Uuid,
            now: OffsetDateTime,
        ) -> StoreResult<u64> {
            let done = sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
                .bind(family)
                .bind(ts(now))
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected())
        }

        async fn insert_next(
            tx: &mut Transaction<'_, Db>,
            next: &NewSession,
            family_id: SessionId,
            user_id: UserId,
            now: OffsetDateTime,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO sessions (id, family_id, user_id, token_hash, user_agent, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(next.id)
            .bind(family_id.as_uuid())
            .bind(user_id.as_uuid())
            .bind(&next.token_hash)
            .bind(&next.user_agent)
            .bind(ts(now))
            .bind(ts(next.expires_at))
            .execute(&mut **tx)
            .await
            .map_err(write_err)?;
            // A refresh is activity: the dashboard's active users count it.
            sqlx::query("UPDATE users SET last_active_at = $2 WHERE id = $1")
                .bind(user_id.as_uuid())
                .bind(ts(now))
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        /// Uses up the grace of a just-exchanged token, so that it is honoured once more (the other tab)
        /// and never again: its retirement is moved back to before the grace began. A compare-and-set:
        /// of two presentations at once, only one finds the retirement still recent.
        async fn spend_grace(
            tx: &mut Transaction<'_, Db>,
            id: Uuid,
            now: OffsetDateTime,
            grace: time::Duration,
        ) -> StoreResult<bool> {
            let spent = now - grace - time::Duration::SECOND;
            let done = sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at > $2")
                .bind(id)
                .bind(ts(spent))
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        /// Whether the family still has a token that is neither revoked nor expired.
        async fn family_is_live(
            tx: &mut Transaction<'_, Db>,
            family_id: Uuid,
            now: OffsetDateTime,
        ) -> StoreResult<bool> {
            let live: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM sessions WHERE family_id = $1 AND revoked_at IS NULL AND expires_at > $2 LIMIT 1",
            )
            .bind(family_id)
            .bind(ts(now))
            .fetch_optional(&mut **tx)
            .await?;
            Ok(live.is_some())
        }

        async fn message_in(tx: &mut Transaction<'_, Db>, id: Uuid) -> StoreResult<Message> {
            let row =
                sqlx::query(concat!(message_select!(), "WHERE m.id = $1")).bind(id).fetch_one(&mut **tx).await?;
            rows::message(&row, "")
        }

        async fn message_by_client_id_in(
            tx: &mut Transaction<'_, Db>,
            user_id: Uuid,
            client_id: &str,
        ) -> StoreResult<Option<Message>> {
            let row = sqlx::query(concat!(message_select!(), "WHERE m.user_id = $1 AND m.client_id = $2"))
                .bind(user_id)
                .bind(client_id)
                .fetch_optional(&mut **tx)
                .await?;
            row.map(|r| rows::message(&r, "")).transpose()
        }

        async fn insert_member(
            tx: &mut Transaction<'_, Db>,
            room_id: RoomId,
            user_id: UserId,
            role: MemberRole,
            at: OffsetDateTime,
        ) -> StoreResult<bool> {
            let done = sqlx::query(
                "INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at) VALUES ($1, $2, $3, 0, $4) \
                 ON CONFLICT (room_id, user_id) DO NOTHING",
            )
            .bind(room_id.as_uuid())
            .bind(user_id.as_uuid())
            .bind(role.as_str())
            .bind(ts(at))
            .execute(&mut **tx)
            .await
            .map_err(write_err)?;
            Ok(done.rows_affected() == 1)
        }

        /// Appends one message within `tx`: the idempotency check, then the backend's insert at
        /// the room's next seq ([`insert_one_in`]).
        async fn append_in(tx: &mut Transaction<'_, Db>, new: &NewMessage) -> Result<Appended, AppendError> {
            if let (Some(user_id), Some(client_id)) = (new.user_id, new.client_id.as_deref())
                && let Some(first) = message_by_client_id_in(tx, user_id.as_uuid(), client_id).await?
            {
                return Ok(Appended::Duplicate(first));
            }
            insert_one_in(tx, new).await?;
            Ok(Appended::Created(message_in(tx, new.id.as_uuid()).await?))
        }

        /// Sets a message's content, status and error; false when no such message exists.
        async fn set_message_text<'e, E: sqlx::Executor<'e, Database = Db>>(
            executor: E,
            id: MessageId,
            content: &str,
            status: MessageStatus,
            error: Option<&str>,
        ) -> StoreResult<bool> {
            let updated = sqlx::query(
                "UPDATE messages SET content = $1, status = $2, error = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(content)
            .bind(status.as_str())
            .bind(error)
            .bind(ts(now()))
            .bind(id.as_uuid())
            .execute(executor)
            .await
            .map_err(write_err)?;
            Ok(updated.rows_affected() > 0)
        }

        /// `batch` in one transaction. The outer error fails every write (nothing is committed);
        /// an inner `NotFound` only its own.
        async fn write_answers_in_one(
            mut tx: Transaction<'_, Db>,
            batch: &[AnswerWrite],
        ) -> StoreResult<Vec<StoreResult<AnswerWritten>>> {
            let mut results = Vec::with_capacity(batch.len());
            for write in batch {
                let result = match write {
                    AnswerWrite::Partial { id, content } => {
                        let written = set_message_text(&mut *tx, *id, content, MessageStatus::Streaming, None).await?;
                        if written { Ok(AnswerWritten::Partial) } else { Err(StoreError::NotFound) }
                    }
                    AnswerWrite::Finish { id, content, status, error, usage } => {
                        finish_answer_in(&mut tx, *id, content, *status, error.as_deref(), usage.as_deref())
                            .await?
                            .map(|message| AnswerWritten::Finished(Box::new(message)))
                    }
                };
                results.push(result);
            }
            tx.commit().await?;
            Ok(results)
        }

        /// An answer's end within `tx`: the text first, then (only if its row is there) its
        /// usage, so a missing row records nothing and leaves the transaction usable for the
        /// rest of a batch. The outer error is the database's; the inner `NotFound` the row's.
        async fn finish_answer_in(
            tx: &mut Transaction<'_, Db>,
            id: MessageId,
            content: &str,
            status: MessageStatus,
            error: Option<&str>,
            usage: Option<&NewUsage>,
        ) -> StoreResult<StoreResult<Message>> {
            if !set_message_text(&mut **tx, id, content, status, error).await? {
                return Ok(Err(StoreError::NotFound));
            }
            if let Some(usage) = usage {
                insert_usage_in(tx, usage).await?;
            }
            Ok(Ok(message_in(tx, id.as_uuid()).await?))
        }

        /// One `token_usage` row, within `tx`.
        async fn insert_usage_in(tx: &mut Transaction<'_, Db>, usage: &NewUsage) -> StoreResult<()> {
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
            .execute(&mut **tx)
            .await
            .map_err(write_err)?;
            Ok(())
        }
    };
}

pub(crate) use transaction_helpers;

/// Reads the shared methods build on, the same on both backends: `impl $store { … }`.
macro_rules! store_helpers {
    ($store:ty) => {
        impl $store {
            /// The message a user first sent with this idempotency key, read outside any transaction.
            async fn first_with_client_id(&self, new: &NewMessage) -> StoreResult<Option<Message>> {
                let (Some(user_id), Some(client_id)) = (new.user_id, new.client_id.as_deref()) else {
                    return Ok(None);
                };
                let row =
                    sqlx::query(concat!(message_select!(), "WHERE m.user_id = $1 AND m.client_id = $2"))
                        .bind(user_id.as_uuid())
                        .bind(client_id)
                        .fetch_optional(&mut *self.reader().await?)
                        .await?;
                row.map(|r| rows::message(&r, "")).transpose()
            }

            async fn summaries(
                &self,
                user_id: UserId,
                room: Option<RoomId>,
                limit: u32,
            ) -> StoreResult<Vec<RoomSummary>> {
                let rows = match room {
                    Some(room) => {
                        sqlx::query(concat!(summary_select!(), "AND r.id = $2"))
                            .bind(user_id.as_uuid())
                            .bind(room.as_uuid())
                            .fetch_all(&mut *self.reader().await?)
                            .await?
                    }
                    None => {
                        sqlx::query(concat!(
                            summary_select!(),
                            "ORDER BY COALESCE(lm.created_at, r.created_at) DESC, r.id DESC LIMIT $2"
                        ))
                        .bind(user_id.as_uuid())
                        .bind(i64::from(limit))
                        .fetch_all(&mut *self.reader().await?)
                        .await?
                    }
                };
                rows.iter().map(rows::summary).collect()
            }
        }
    };
}

pub(crate) use store_helpers;
