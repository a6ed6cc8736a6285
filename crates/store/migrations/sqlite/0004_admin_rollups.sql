-- The admin console (issue #17): per-user daily budgets, when each user was last active, and
-- sums kept on write, so that the dashboard and the usage reports read a few hundred rows however
-- long the history grows. Days are UTC, as text `YYYY-MM-DD` (the same on both backends; our
-- timestamps are UTC RFC 3339 text, so a day is the first ten characters).

-- NULL: the server's default budget (CHATBOT_DAILY_TOKEN_BUDGET / CHATBOT_DAILY_COST_BUDGET).
ALTER TABLE users ADD COLUMN daily_token_budget INTEGER CHECK (daily_token_budget >= 0);
ALTER TABLE users ADD COLUMN daily_cost_budget INTEGER CHECK (daily_cost_budget >= 0);
-- Set by sign-in and by every token refresh (a live client refreshes every access-token lifetime).
ALTER TABLE users ADD COLUMN last_active_at TEXT;
UPDATE users SET last_active_at = last_login_at;
CREATE INDEX users_last_active_at_idx ON users (last_active_at);

-- Messages stored per day (including messages of rooms deleted since). One upsert per row: the
-- single SQLite writer makes it an in-process B-tree update.
CREATE TABLE message_days (
    day      TEXT    NOT NULL PRIMARY KEY,
    messages INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO message_days (day, messages)
SELECT substr(created_at, 1, 10), count(*) FROM messages GROUP BY 1;

CREATE TRIGGER messages_count_days AFTER INSERT ON messages
BEGIN
    INSERT INTO message_days (day, messages) VALUES (substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET messages = messages + 1;
END;

-- Token usage per day, user, room and model. Ids of users and rooms deleted since stay (reports
-- keep what they cost); usage without a user or room counts under the nil id.
CREATE TABLE usage_days (
    day                   TEXT    NOT NULL,
    user_id               BLOB    NOT NULL,
    room_id               BLOB    NOT NULL,
    provider              TEXT    NOT NULL,
    model                 TEXT    NOT NULL,
    answers               INTEGER NOT NULL DEFAULT 0,
    input_tokens          INTEGER NOT NULL DEFAULT 0,
    output_tokens         INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens     INTEGER NOT NULL DEFAULT 0,
    cost                  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id, room_id, provider, model)
) WITHOUT ROWID;
CREATE INDEX usage_days_user_id_day_idx ON usage_days (user_id, day);

INSERT INTO usage_days (day, user_id, room_id, provider, model, answers, input_tokens, output_tokens,
                        cache_creation_tokens, cache_read_tokens, cost)
SELECT substr(created_at, 1, 10),
       coalesce(user_id, zeroblob(16)),
       coalesce(room_id, zeroblob(16)),
       provider, model, count(*), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens),
       sum(cache_read_tokens), sum(cost)
FROM token_usage GROUP BY 1, 2, 3, 4, 5;

-- The same per day and model only: what the dashboard reads (a few rows per day, however many
-- users and rooms).
CREATE TABLE usage_model_days (
    day                   TEXT    NOT NULL,
    provider              TEXT    NOT NULL,
    model                 TEXT    NOT NULL,
    answers               INTEGER NOT NULL DEFAULT 0,
    input_tokens          INTEGER NOT NULL DEFAULT 0,
    output_tokens         INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens     INTEGER NOT NULL DEFAULT 0,
    cost                  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, provider, model)
) WITHOUT ROWID;
INSERT INTO usage_model_days (day, provider, model, answers, input_tokens, output_tokens,
                              cache_creation_tokens, cache_read_tokens, cost)
SELECT day, provider, model, sum(answers), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens),
       sum(cache_read_tokens), sum(cost)
FROM usage_days GROUP BY 1, 2, 3;

CREATE TRIGGER token_usage_sum_days AFTER INSERT ON token_usage
BEGIN
    INSERT INTO usage_model_days (day, provider, model, answers, input_tokens, output_tokens,
                                  cache_creation_tokens, cache_read_tokens, cost)
    VALUES (substr(NEW.created_at, 1, 10), NEW.provider, NEW.model, 1, NEW.input_tokens, NEW.output_tokens,
            NEW.cache_creation_tokens, NEW.cache_read_tokens, NEW.cost)
    ON CONFLICT (day, provider, model) DO UPDATE SET
        answers = answers + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cost = cost + excluded.cost;
    INSERT INTO usage_days (day, user_id, room_id, provider, model, answers, input_tokens, output_tokens,
                            cache_creation_tokens, cache_read_tokens, cost)
    VALUES (substr(NEW.created_at, 1, 10),
            coalesce(NEW.user_id, zeroblob(16)),
            coalesce(NEW.room_id, zeroblob(16)),
            NEW.provider, NEW.model, 1, NEW.input_tokens, NEW.output_tokens, NEW.cache_creation_tokens,
            NEW.cache_read_tokens, NEW.cost)
    ON CONFLICT (day, user_id, room_id, provider, model) DO UPDATE SET
        answers = answers + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cost = cost + excluded.cost;
END;

-- Recent failed answers, newest first (GET /api/admin/errors).
CREATE INDEX messages_failed_idx ON messages (created_at, id) WHERE status = 'failed';
