-- A message's seq is its room's last_seq + 1, and inserting it moves last_seq on: enforced and
-- done here, per row, so that a batch of messages is stored by one INSERT statement (autocommit,
-- one round trip) instead of a transaction of several, and so that no writer can leave a gap or
-- a duplicate in a room's seqs (docs/decisions/008-sqlite-seq-trigger.md).
CREATE TRIGGER messages_seq_follows_room AFTER INSERT ON messages
BEGIN
    SELECT RAISE(ABORT, 'messages.seq must be the room''s last_seq + 1')
     WHERE NEW.seq IS NOT (SELECT last_seq + 1 FROM rooms WHERE id = NEW.room_id);
    UPDATE rooms SET last_seq = NEW.seq WHERE id = NEW.room_id;
END;
