-- Room lists in constant time (issue #19): a room's member count is kept on the room by
-- triggers, and a member's unread count is `rooms.last_seq - room_members.last_read_seq` because
-- sending a message marks the room read for its sender up to that message (what chat apps do:
-- you have seen what you answered). Before, both were counted over the room on every room list,
-- `getRooms` and `join`: linear in its messages and members.

-- Deleted messages (tombstones) are not unread: they are subtracted, found through an index
-- that holds only them.
CREATE INDEX messages_deleted_idx ON messages (room_id, seq) WHERE deleted_at IS NOT NULL;

ALTER TABLE rooms ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET member_count = (SELECT count(*) FROM room_members m WHERE m.room_id = rooms.id);

CREATE TRIGGER room_members_count_added AFTER INSERT ON room_members
BEGIN
    UPDATE rooms SET member_count = member_count + 1 WHERE id = NEW.room_id;
END;

CREATE TRIGGER room_members_count_removed AFTER DELETE ON room_members
BEGIN
    UPDATE rooms SET member_count = member_count - 1 WHERE id = OLD.room_id;
END;

UPDATE room_members SET last_read_seq = (
    SELECT max(seq) FROM messages m WHERE m.room_id = room_members.room_id AND m.user_id = room_members.user_id
)
WHERE last_read_seq < coalesce((
    SELECT max(seq) FROM messages m WHERE m.room_id = room_members.room_id AND m.user_id = room_members.user_id
), 0);

-- Own messages: the sender has read the room up to the message (a primary-key update in the
-- single writer).
CREATE TRIGGER messages_sender_has_read AFTER INSERT ON messages WHEN NEW.user_id IS NOT NULL
BEGIN
    UPDATE room_members SET last_read_seq = NEW.seq
    WHERE room_id = NEW.room_id AND user_id = NEW.user_id AND last_read_seq < NEW.seq;
END;
