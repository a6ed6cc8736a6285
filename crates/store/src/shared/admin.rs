//! The admin console's reads, written once for both backends (expanded as inherent methods of
//! each store by `admin_queries!`, next to `store_helpers!`; the trait methods in `impl_store!`
//! call them). They read the sums kept on write by triggers (`message_days`, `usage_days`,
//! `usage_model_days`: migrations `*_admin_rollups.sql`) and scan `users`, never the whole of
//! `messages` or `token_usage`, so they stay fast however long the history.

/// Sums of `usage_days` columns, in the order [`usage_sums`](crate::shared::admin) reads them from
/// column `$start` on. `CAST`: PostgreSQL sums `bigint` into `numeric`.
macro_rules! usage_sum_cols {
    () => {
        "CAST(COALESCE(SUM(answers), 0) AS BIGINT), CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT), \
         CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT), CAST(COALESCE(SUM(cache_read_tokens), 0) AS BIGINT), \
         CAST(COALESCE(SUM(cache_creation_tokens), 0) AS BIGINT), CAST(COALESCE(SUM(cost), 0) AS BIGINT)"
    };
}
pub(crate) use usage_sum_cols;

macro_rules! admin_queries {
    ($store:ty) => {
        /// The six [`usage_sum_cols!`] columns from index `start` on.
        fn usage_sums(row: &<Db as sqlx::Database>::Row, start: usize) -> StoreResult<UsageSums> {
            Ok(UsageSums {
                answers: row.try_get(start)?,
                input_tokens: row.try_get(start + 1)?,
                output_tokens: row.try_get(start + 2)?,
                cache_read_tokens: row.try_get(start + 3)?,
                cache_creation_tokens: row.try_get(start + 4)?,
                cost: row.try_get(start + 5)?,
            })
        }

        impl $store {
            async fn read_dashboard(
                &self,
                first_day: &str,
                active_since: (OffsetDateTime, OffsetDateTime),
            ) -> StoreResult<DashboardFigures> {
                let users = sqlx::query(
                    "SELECT COUNT(*), \
                            CAST(COALESCE(SUM(CASE WHEN role = 'admin' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                            CAST(COALESCE(SUM(CASE WHEN is_active THEN 0 ELSE 1 END), 0) AS BIGINT), \
                            CAST(COALESCE(SUM(CASE WHEN last_active_at >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                            CAST(COALESCE(SUM(CASE WHEN last_active_at >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
                     FROM users",
                )
                .bind(ts(active_since.0))
                .bind(ts(active_since.1))
                .fetch_one(&mut *self.reader().await?)
                .await?;
                let rooms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rooms").fetch_one(&mut *self.reader().await?).await?;
                let messages: i64 =
                    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(messages), 0) AS BIGINT) FROM message_days")
                        .fetch_one(&mut *self.reader().await?)
                        .await?;
                let mut days: std::collections::BTreeMap<String, DayFigures> = std::collections::BTreeMap::new();
                let counted = sqlx::query("SELECT day, messages FROM message_days WHERE day >= $1")
                    .bind(first_day)
                    .fetch_all(&mut *self.reader().await?)
                    .await?;
                for row in &counted {
                    let day: String = row.try_get(0)?;
                    let entry = days.entry(day.clone()).or_insert_with(|| DayFigures { day, ..DayFigures::default() });
                    entry.messages = row.try_get(1)?;
                }
                let used = sqlx::query(concat!(
                    "SELECT day, ",
                    $crate::shared::admin::usage_sum_cols!(),
                    " FROM usage_model_days WHERE day >= $1 GROUP BY day"
                ))
                .bind(first_day)
                .fetch_all(&mut *self.reader().await?)
                .await?;
                for row in &used {
                    let day: String = row.try_get(0)?;
                    let sums = usage_sums(row, 1)?;
                    let entry = days.entry(day.clone()).or_insert_with(|| DayFigures { day, ..DayFigures::default() });
                    entry.answers = sums.answers;
                    entry.input_tokens = sums.input_tokens;
                    entry.output_tokens = sums.output_tokens;
                    entry.cost = sums.cost;
                }
                let by_model = sqlx::query(concat!(
                    "SELECT provider, model, ",
                    $crate::shared::admin::usage_sum_cols!(),
                    " FROM usage_model_days WHERE day >= $1 GROUP BY provider, model ORDER BY 8 DESC, 1, 2"
                ))
                .bind(first_day)
                .fetch_all(&mut *self.reader().await?)
                .await?;
                let models = by_model
                    .iter()
                    .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, usage_sums(row, 2)?)))
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(DashboardFigures {
                    users: users.try_get(0)?,
                    admins: users.try_get(1)?,
                    deactivated: users.try_get(2)?,
                    active_24h: users.try_get(3)?,
                    active_7d: users.try_get(4)?,
                    rooms,
                    messages,
                    days: days.into_values().collect(),
                    models,
                })
            }

            async fn read_usage_report(&self, group: UsageGroup, from: &str, to: &str) -> StoreResult<Vec<UsageLine>> {
                let range = "FROM usage_model_days WHERE day >= $1 AND day <= $2";
                let lines = match group {
                    UsageGroup::User => {
                        let sql = format!(
                            "SELECT g.user_id, u.name, u.email, {sums} FROM usage_days g \
                             LEFT JOIN users u ON u.id = g.user_id WHERE g.day >= $1 AND g.day <= $2 \
                             GROUP BY g.user_id, u.name, u.email ORDER BY 9 DESC, 1",
                            sums = $crate::shared::admin::usage_sum_cols!()
                        );
                        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(&mut *self.reader().await?).await?;
                        rows.iter()
                            .map(|row| {
                                let id: Uuid = row.try_get(0)?;
                                let name: Option<String> = row.try_get(1)?;
                                let email: Option<String> = row.try_get(2)?;
                                let label = match (name, email) {
                                    (Some(name), Some(email)) => format!("{name} <{email}>"),
                                    _ => "(deleted user)".to_owned(),
                                };
                                Ok(UsageLine { key: id.to_string(), label, sums: usage_sums(row, 3)? })
                            })
                            .collect::<StoreResult<Vec<_>>>()?
                    }
                    UsageGroup::Room => {
                        let sql = format!(
                            "SELECT g.room_id, r.name, {sums} FROM usage_days g \
                             LEFT JOIN rooms r ON r.id = g.room_id WHERE g.day >= $1 AND g.day <= $2 \
                             GROUP BY g.room_id, r.name ORDER BY 8 DESC, 1",
                            sums = $crate::shared::admin::usage_sum_cols!()
                        );
                        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(&mut *self.reader().await?).await?;
                        rows.iter()
                            .map(|row| {
                                let id: Uuid = row.try_get(0)?;
                                let name: Option<String> = row.try_get(1)?;
                                let label = name.unwrap_or_else(|| "(deleted room)".to_owned());
                                Ok(UsageLine { key: id.to_string(), label, sums: usage_sums(row, 2)? })
                            })
                            .collect::<StoreResult<Vec<_>>>()?
                    }
                    UsageGroup::Model => {
                        let sql = format!(
                            "SELECT provider, model, {sums} {range} GROUP BY provider, model ORDER BY 8 DESC, 1, 2",
                            sums = $crate::shared::admin::usage_sum_cols!()
                        );
                        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(&mut *self.reader().await?).await?;
                        rows.iter()
                            .map(|row| {
                                let provider: String = row.try_get(0)?;
                                let model: String = row.try_get(1)?;
                                let key = format!("{provider}/{model}");
                                Ok(UsageLine { label: key.clone(), key, sums: usage_sums(row, 2)? })
                            })
                            .collect::<StoreResult<Vec<_>>>()?
                    }
                    UsageGroup::Day => {
                        let sql = format!("SELECT day, {sums} {range} GROUP BY day ORDER BY day", sums = $crate::shared::admin::usage_sum_cols!());
                        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(&mut *self.reader().await?).await?;
                        rows.iter()
                            .map(|row| {
                                let day: String = row.try_get(0)?;
                                Ok(UsageLine { label: day.clone(), key: day, sums: usage_sums(row, 1)? })
                            })
                            .collect::<StoreResult<Vec<_>>>()?
                    }
                };
                Ok(lines)
            }

            async fn read_admin_rooms(&self, query: &AdminRoomQuery) -> StoreResult<Vec<AdminRoom>> {
                let pattern = query.search.as_deref().map(like_pattern);
                let rows = sqlx::query(
                    "SELECT r.id, r.name, r.description, r.owner_id, r.visibility, r.system_prompt, r.model, \
                            r.ai_mode, r.last_seq, r.created_at, r.updated_at, r.archived_at, \
                            u.name AS owner_name, \
                            r.member_count AS member_count, \
                            lm.created_at AS last_activity_at \
                     FROM rooms r \
                     LEFT JOIN users u ON u.id = r.owner_id \
                     LEFT JOIN messages lm ON lm.room_id = r.id AND lm.seq = r.last_seq \
                     WHERE ($1 IS NULL OR r.id > $1) AND ($2 IS NULL OR lower(r.name) LIKE $2 ESCAPE '\\') \
                       AND ($4 IS NULL OR r.id = $4) \
                     ORDER BY r.id LIMIT $3",
                )
                .bind(query.after.map(|id| id.as_uuid()))
                .bind(pattern)
                .bind(i64::from(query.limit))
                .bind(query.only.map(|id| id.as_uuid()))
                .fetch_all(&mut *self.reader().await?)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(AdminRoom {
                            room: rows::room(row)?,
                            owner_name: row.try_get("owner_name")?,
                            members: row.try_get("member_count")?,
                            last_activity_at: row.try_get("last_activity_at")?,
                        })
                    })
                    .collect()
            }

            async fn read_failed_answers(&self, before: Option<MessageId>, limit: u32) -> StoreResult<Vec<FailedAnswer>> {
                let rows = sqlx::query(
                    "SELECT m.id, m.room_id, r.name, m.model, m.error, m.created_at \
                     FROM messages m LEFT JOIN rooms r ON r.id = m.room_id \
                     WHERE m.status = 'failed' \
                       AND ($1 IS NULL OR (m.created_at, m.id) < (SELECT b.created_at, b.id FROM messages b WHERE b.id = $1)) \
                     ORDER BY m.created_at DESC, m.id DESC LIMIT $2",
                )
                .bind(before.map(|id| id.as_uuid()))
                .bind(i64::from(limit))
                .fetch_all(&mut *self.reader().await?)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(FailedAnswer {
                            message_id: MessageId::from_uuid(row.try_get(0)?),
                            room_id: RoomId::from_uuid(row.try_get(1)?),
                            room_name: row.try_get(2)?,
                            model: row.try_get(3)?,
                            code: row.try_get(4)?,
                            at: row.try_get(5)?,
                        })
                    })
                    .collect()
            }

            async fn write_user_budget(&self, id: UserId, tokens: Option<i64>, cost: Option<i64>) -> StoreResult<User> {
                let row = sqlx::query(concat!(
                    "UPDATE users SET daily_token_budget = $2, daily_cost_budget = $3, updated_at = $4 \
                     WHERE id = $1 RETURNING ",
                    user_cols!()
                ))
                .bind(id.as_uuid())
                .bind(tokens)
                .bind(cost)
                .bind(ts(now()))
                .fetch_optional(&mut *self.writer().await?)
                .await?;
                row.as_ref().map(rows::user).transpose()?.ok_or(StoreError::NotFound)
            }
        }
    };
}
pub(crate) use admin_queries;
