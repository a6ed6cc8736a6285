-- Room lists in constant time (issue #19): a room's member count is kept on the room by
-- triggers, and a member's unread count is `rooms.last_seq - room_members.last_read_seq` because
-- sending a message marks the room read for its sender up to that message (what chat apps do:
-- you have seen what you answered). Before, both were counted over the room on every room list,
-- `getRooms` and `join`: linear in its messages and members.

-- Deleted messages (tombstones) are not unread: they are subtracted, found through an index
-- that holds only them.
CREATE INDEX messages_deleted_idx ON messages (room_id, seq) WHERE deleted_at IS NOT NULL;

ALTER TABLE rooms ADD COLUMN member_count bigint NOT NULL DEFAULT 0;
UPDATE rooms r SET member_count = (SELECT count(*) FROM room_members m WHERE m.room_id = r.id);

CREATE FUNCTION room_members_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rooms r SET member_count = r.member_count + n.added
    FROM (SELECT room_id, count(*) AS added FROM added_members GROUP BY room_id) n
    WHERE r.id = n.room_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER room_members_count_added AFTER INSERT ON room_members
    REFERENCING NEW TABLE AS added_members FOR EACH STATEMENT EXECUTE FUNCTION room_members_added();

CREATE FUNCTION room_members_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rooms r SET member_count = r.member_count - n.removed
    FROM (SELECT room_id, count(*) AS removed FROM removed_members GROUP BY room_id) n
    WHERE r.id = n.room_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER room_members_count_removed AFTER DELETE ON room_members
    REFERENCING OLD TABLE AS removed_members FOR EACH STATEMENT EXECUTE FUNCTION room_members_removed();

-- Own messages: a batch's senders have read their rooms up to their newest message in it (one
-- UPDATE per batch).
UPDATE room_members m SET last_read_seq = o.seq
FROM (SELECT room_id, user_id, max(seq) AS seq FROM messages WHERE user_id IS NOT NULL GROUP BY 1, 2) o
WHERE m.room_id = o.room_id AND m.user_id = o.user_id AND m.last_read_seq < o.seq;

CREATE FUNCTION messages_senders_have_read() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE room_members m SET last_read_seq = n.seq
    FROM (SELECT room_id, user_id, max(seq) AS seq FROM sent GROUP BY 1, 2) n
    WHERE m.room_id = n.room_id AND m.user_id = n.user_id AND m.last_read_seq < n.seq;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_senders_have_read AFTER INSERT ON messages
    REFERENCING NEW TABLE AS sent FOR EACH STATEMENT EXECUTE FUNCTION messages_senders_have_read();
