-- A message's seq is its room's last_seq + 1, and inserting it moves last_seq on: enforced and
-- done here, per row, so that a batch of messages is stored by one INSERT statement (autocommit,
-- one round trip) instead of a transaction of several, and so that no writer can leave a gap or
-- a duplicate in a room's seqs (docs/decisions/008-sqlite-seq-trigger.md).
-- One search of the room's row: the UPDATE matches only if the seq is the next one, and
-- changes() (inside a trigger: the trigger's own last statement) tells whether it did.
CREATE TRIGGER messages_seq_follows_room AFTER INSERT ON messages
BEGIN
    UPDATE rooms SET last_seq = NEW.seq WHERE id = NEW.room_id AND last_seq = NEW.seq - 1;
    SELECT RAISE(ABORT, 'messages.seq must be the room''s last_seq + 1') WHERE changes() = 0;
END;
