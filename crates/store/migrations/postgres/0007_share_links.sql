-- Read-only share links (issue #20, docs/conversations.md "Share links"): a link shows a room's
-- history up to `up_to_seq`, the room's last message when it was made. The token is the link's
-- secret part (random, 32 bytes, base64url); the owner may copy the link again later, so it is
-- stored as it is, like the URL it is part of.
CREATE TABLE share_links (
    id         uuid        NOT NULL PRIMARY KEY,
    token      text        NOT NULL UNIQUE,
    room_id    uuid        NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    created_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    up_to_seq  bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX share_links_room_idx ON share_links (room_id);
