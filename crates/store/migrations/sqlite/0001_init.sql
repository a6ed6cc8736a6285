-- Initial schema (SPEC §2), SQLite dialect.
--
-- Encodings: UUIDs are 16-byte BLOBs (sqlx's default for uuid::Uuid); timestamps are UTC TEXT in
-- one fixed-width RFC 3339 form, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so that text comparison and ORDER BY
-- agree with time order; booleans are 0/1 INTEGERs.

CREATE TABLE users (
    id            BLOB    NOT NULL PRIMARY KEY,
    email         TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('user', 'admin')),
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    last_login_at TEXT,
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email));

-- Refresh tokens. All tokens of one sign-in share `family_id`.
CREATE TABLE sessions (
    id          BLOB NOT NULL PRIMARY KEY,
    family_id   BLOB NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    user_agent  TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    replaced_by BLOB,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_family_id_idx ON sessions (family_id);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE rooms (
    id            BLOB    NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    description   TEXT,
    owner_id      BLOB REFERENCES users (id),
    visibility    TEXT    NOT NULL CHECK (visibility IN ('private', 'public')),
    system_prompt TEXT,
    model         TEXT,
    ai_mode       TEXT    NOT NULL CHECK (ai_mode IN ('always', 'mention', 'off')),
    last_seq      INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    archived_at   TEXT
);
CREATE INDEX rooms_owner_id_idx ON rooms (owner_id);

CREATE TABLE room_members (
    room_id       BLOB    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id       BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'member')),
    last_read_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_read_seq >= 0),
    joined_at     TEXT    NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user_id_idx ON room_members (user_id);

CREATE TABLE messages (
    id         BLOB    NOT NULL PRIMARY KEY,
    room_id    BLOB    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq > 0),
    user_id    BLOB REFERENCES users (id),
    role       TEXT    NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content    TEXT    NOT NULL,
    status     TEXT    NOT NULL
               CHECK (status IN ('complete', 'streaming', 'stopped', 'failed', 'interrupted')),
    model      TEXT,
    reply_to   BLOB REFERENCES messages (id) ON DELETE SET NULL,
    client_id  TEXT,
    error      TEXT,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    edited_at  TEXT,
    deleted_at TEXT,
    -- Also the index for history reads and unread counts.
    CONSTRAINT messages_room_id_seq_key UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX messages_user_id_client_id_key ON messages (user_id, client_id)
    WHERE client_id IS NOT NULL;
CREATE INDEX messages_user_id_idx ON messages (user_id);
CREATE INDEX messages_reply_to_idx ON messages (reply_to);

-- Usage is kept for accounting when the message, room or user it belonged to is gone.
CREATE TABLE token_usage (
    id                    BLOB    NOT NULL PRIMARY KEY,
    message_id            BLOB REFERENCES messages (id) ON DELETE SET NULL,
    user_id               BLOB REFERENCES users (id) ON DELETE SET NULL,
    room_id               BLOB REFERENCES rooms (id) ON DELETE SET NULL,
    provider              TEXT    NOT NULL,
    model                 TEXT    NOT NULL,
    input_tokens          INTEGER NOT NULL DEFAULT 0,
    output_tokens         INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens     INTEGER NOT NULL DEFAULT 0,
    -- Integer micro-dollars.
    cost                  INTEGER NOT NULL DEFAULT 0,
    ttft_ms               INTEGER,
    duration_ms           INTEGER,
    created_at            TEXT    NOT NULL
);
CREATE INDEX token_usage_user_id_created_at_idx ON token_usage (user_id, created_at);
CREATE INDEX token_usage_room_id_idx ON token_usage (room_id);
CREATE INDEX token_usage_created_at_idx ON token_usage (created_at);
CREATE INDEX token_usage_message_id_idx ON token_usage (message_id);

CREATE TABLE audit_log (
    id         BLOB NOT NULL PRIMARY KEY,
    actor_id   BLOB REFERENCES users (id) ON DELETE SET NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    -- JSON text.
    detail     TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
CREATE INDEX audit_log_action_idx ON audit_log (action);
CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id);

-- The built-in public room, stored under the nil UUID.
INSERT INTO rooms (id, name, description, owner_id, visibility, system_prompt, model, ai_mode, last_seq,
                   created_at, updated_at, archived_at)
VALUES (zeroblob(16), 'general', NULL, NULL, 'public', NULL, NULL, 'always', 0,
        strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z',
        strftime('%Y-%m-%dT%H:%M:%S', 'now') || substr(strftime('%f', 'now'), 3) || '000Z',
        NULL);
