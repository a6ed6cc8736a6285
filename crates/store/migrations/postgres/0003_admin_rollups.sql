-- The admin console (issue #17): per-user daily budgets, when each user was last active, and
-- sums kept on write, so that the dashboard and the usage reports read a few hundred rows however
-- long the history grows. Days are UTC, as text `YYYY-MM-DD` (the same on both backends).

-- NULL: the server's default budget (CHATBOT_DAILY_TOKEN_BUDGET / CHATBOT_DAILY_COST_BUDGET).
ALTER TABLE users ADD COLUMN daily_token_budget bigint CHECK (daily_token_budget >= 0);
ALTER TABLE users ADD COLUMN daily_cost_budget bigint CHECK (daily_cost_budget >= 0);
-- Set by sign-in and by every token refresh (a live client refreshes every access-token lifetime).
ALTER TABLE users ADD COLUMN last_active_at timestamptz;
UPDATE users SET last_active_at = last_login_at;
CREATE INDEX users_last_active_at_idx ON users (last_active_at);

-- Messages stored per day. Kept by a statement trigger: one upsert per INSERT statement (a
-- whole batch), not one per row. Counts what was stored that day, including messages of rooms
-- deleted since.
CREATE TABLE message_days (
    day      text   NOT NULL PRIMARY KEY,
    messages bigint NOT NULL DEFAULT 0
);
INSERT INTO message_days (day, messages)
SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*) FROM messages GROUP BY 1;

CREATE FUNCTION message_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_days (day, messages)
    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*) FROM new_messages GROUP BY 1
    ON CONFLICT (day) DO UPDATE SET messages = message_days.messages + EXCLUDED.messages;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_count_days AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION message_days_add();

-- Token usage per day, user, room and model. Ids of users and rooms deleted since stay (reports
-- keep what they cost); usage without a user or room counts under the nil id.
CREATE TABLE usage_days (
    day                   text   NOT NULL,
    user_id               uuid   NOT NULL,
    room_id               uuid   NOT NULL,
    provider              text   NOT NULL,
    model                 text   NOT NULL,
    answers               bigint NOT NULL DEFAULT 0,
    input_tokens          bigint NOT NULL DEFAULT 0,
    output_tokens         bigint NOT NULL DEFAULT 0,
    cache_creation_tokens bigint NOT NULL DEFAULT 0,
    cache_read_tokens     bigint NOT NULL DEFAULT 0,
    cost                  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id, room_id, provider, model)
);
CREATE INDEX usage_days_user_id_day_idx ON usage_days (user_id, day);

INSERT INTO usage_days (day, user_id, room_id, provider, model, answers, input_tokens, output_tokens,
                        cache_creation_tokens, cache_read_tokens, cost)
SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
       coalesce(user_id, '00000000-0000-0000-0000-000000000000'),
       coalesce(room_id, '00000000-0000-0000-0000-000000000000'),
       provider, model, count(*), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens),
       sum(cache_read_tokens), sum(cost)
FROM token_usage GROUP BY 1, 2, 3, 4, 5;

-- The same per day and model only: what the dashboard reads (a few rows per day, however many
-- users and rooms).
CREATE TABLE usage_model_days (
    day                   text   NOT NULL,
    provider              text   NOT NULL,
    model                 text   NOT NULL,
    answers               bigint NOT NULL DEFAULT 0,
    input_tokens          bigint NOT NULL DEFAULT 0,
    output_tokens         bigint NOT NULL DEFAULT 0,
    cache_creation_tokens bigint NOT NULL DEFAULT 0,
    cache_read_tokens     bigint NOT NULL DEFAULT 0,
    cost                  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, provider, model)
);
INSERT INTO usage_model_days (day, provider, model, answers, input_tokens, output_tokens,
                              cache_creation_tokens, cache_read_tokens, cost)
SELECT day, provider, model, sum(answers), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens),
       sum(cache_read_tokens), sum(cost)
FROM usage_days GROUP BY 1, 2, 3;

CREATE FUNCTION usage_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_model_days (day, provider, model, answers, input_tokens, output_tokens,
                                  cache_creation_tokens, cache_read_tokens, cost)
    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), provider, model, count(*), sum(input_tokens),
           sum(output_tokens), sum(cache_creation_tokens), sum(cache_read_tokens), sum(cost)
    FROM new_usage GROUP BY 1, 2, 3
    ON CONFLICT (day, provider, model) DO UPDATE SET
        answers = usage_model_days.answers + EXCLUDED.answers,
        input_tokens = usage_model_days.input_tokens + EXCLUDED.input_tokens,
        output_tokens = usage_model_days.output_tokens + EXCLUDED.output_tokens,
        cache_creation_tokens = usage_model_days.cache_creation_tokens + EXCLUDED.cache_creation_tokens,
        cache_read_tokens = usage_model_days.cache_read_tokens + EXCLUDED.cache_read_tokens,
        cost = usage_model_days.cost + EXCLUDED.cost;
    INSERT INTO usage_days (day, user_id, room_id, provider, model, answers, input_tokens, output_tokens,
                            cache_creation_tokens, cache_read_tokens, cost)
    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
           coalesce(user_id, '00000000-0000-0000-0000-000000000000'),
           coalesce(room_id, '00000000-0000-0000-0000-000000000000'),
           provider, model, count(*), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens),
           sum(cache_read_tokens), sum(cost)
    FROM new_usage GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (day, user_id, room_id, provider, model) DO UPDATE SET
        answers = usage_days.answers + EXCLUDED.answers,
        input_tokens = usage_days.input_tokens + EXCLUDED.input_tokens,
        output_tokens = usage_days.output_tokens + EXCLUDED.output_tokens,
        cache_creation_tokens = usage_days.cache_creation_tokens + EXCLUDED.cache_creation_tokens,
        cache_read_tokens = usage_days.cache_read_tokens + EXCLUDED.cache_read_tokens,
        cost = usage_days.cost + EXCLUDED.cost;
    RETURN NULL;
END
$$;
CREATE TRIGGER token_usage_sum_days AFTER INSERT ON token_usage
    REFERENCING NEW TABLE AS new_usage FOR EACH STATEMENT EXECUTE FUNCTION usage_days_add();

-- Recent failed answers, newest first (GET /api/admin/errors).
CREATE INDEX messages_failed_idx ON messages (created_at, id) WHERE status = 'failed';
