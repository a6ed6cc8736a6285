-- One index on messages (user_id, client_id) instead of two: the partial unique index for
-- idempotency keys and a plain index on user_id. The unique index now covers every row (NULL
-- client_ids never collide), so it also serves lookups and foreign-key checks by user_id, and
-- every insert maintains one B-tree fewer (docs/decisions/007-one-author-index.md).
CREATE UNIQUE INDEX messages_user_id_client_id_uniq ON messages (user_id, client_id);
DROP INDEX messages_user_id_client_id_key;
DROP INDEX messages_user_id_idx;
