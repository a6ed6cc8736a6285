-- Initial schema (SPEC §2), PostgreSQL dialect: native uuid, timestamptz, jsonb, bigint.

CREATE TABLE users (
    id            uuid        NOT NULL PRIMARY KEY,
    email         text        NOT NULL,
    name          text        NOT NULL,
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('user', 'admin')),
    is_active     boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_login_at timestamptz,
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email));

-- Refresh tokens. All tokens of one sign-in share `family_id`.
CREATE TABLE sessions (
    id          uuid        NOT NULL PRIMARY KEY,
    family_id   uuid        NOT NULL,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  text        NOT NULL,
    user_agent  text,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    replaced_by uuid,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_family_id_idx ON sessions (family_id);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE rooms (
    id            uuid        NOT NULL PRIMARY KEY,
    name          text        NOT NULL,
    description   text,
    owner_id      uuid REFERENCES users (id),
    visibility    text        NOT NULL CHECK (visibility IN ('private', 'public')),
    system_prompt text,
    model         text,
    ai_mode       text        NOT NULL CHECK (ai_mode IN ('always', 'mention', 'off')),
    last_seq      bigint      NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    archived_at   timestamptz
);
CREATE INDEX rooms_owner_id_idx ON rooms (owner_id);

CREATE TABLE room_members (
    room_id       uuid        NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          text        NOT NULL CHECK (role IN ('owner', 'member')),
    last_read_seq bigint      NOT NULL DEFAULT 0 CHECK (last_read_seq >= 0),
    joined_at     timestamptz NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user_id_idx ON room_members (user_id);

CREATE TABLE messages (
    id         uuid        NOT NULL PRIMARY KEY,
    room_id    uuid        NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL CHECK (seq > 0),
    user_id    uuid REFERENCES users (id),
    role       text        NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content    text        NOT NULL,
    status     text        NOT NULL
               CHECK (status IN ('complete', 'streaming', 'stopped', 'failed', 'interrupted')),
    model      text,
    reply_to   uuid REFERENCES messages (id) ON DELETE SET NULL,
    client_id  text,
    error      text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    edited_at  timestamptz,
    deleted_at timestamptz,
    -- Also the index for history reads and unread counts.
    CONSTRAINT messages_room_id_seq_key UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX messages_user_id_client_id_key ON messages (user_id, client_id)
    WHERE client_id IS NOT NULL;
CREATE INDEX messages_user_id_idx ON messages (user_id);
CREATE INDEX messages_reply_to_idx ON messages (reply_to);

-- Usage is kept for accounting when the message, room or user it belonged to is gone.
CREATE TABLE token_usage (
    id                    uuid        NOT NULL PRIMARY KEY,
    message_id            uuid REFERENCES messages (id) ON DELETE SET NULL,
    user_id               uuid REFERENCES users (id) ON DELETE SET NULL,
    room_id               uuid REFERENCES rooms (id) ON DELETE SET NULL,
    provider              text        NOT NULL,
    model                 text        NOT NULL,
    input_tokens          bigint      NOT NULL DEFAULT 0,
    output_tokens         bigint      NOT NULL DEFAULT 0,
    cache_creation_tokens bigint      NOT NULL DEFAULT 0,
    cache_read_tokens     bigint      NOT NULL DEFAULT 0,
    -- Integer micro-dollars.
    cost                  bigint      NOT NULL DEFAULT 0,
    ttft_ms               bigint,
    duration_ms           bigint,
    created_at            timestamptz NOT NULL
);
CREATE INDEX token_usage_user_id_created_at_idx ON token_usage (user_id, created_at);
CREATE INDEX token_usage_room_id_idx ON token_usage (room_id);
CREATE INDEX token_usage_created_at_idx ON token_usage (created_at);
CREATE INDEX token_usage_message_id_idx ON token_usage (message_id);

CREATE TABLE audit_log (
    id         uuid        NOT NULL PRIMARY KEY,
    actor_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    action     text        NOT NULL,
    target     text,
    detail     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL
);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
CREATE INDEX audit_log_action_idx ON audit_log (action);
CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id);

-- The built-in public room, stored under the nil UUID.
INSERT INTO rooms (id, name, description, owner_id, visibility, system_prompt, model, ai_mode, last_seq,
                   created_at, updated_at, archived_at)
VALUES ('00000000-0000-0000-0000-000000000000', 'general', NULL, NULL, 'public', NULL, NULL, 'always', 0,
        now(), now(), NULL);
