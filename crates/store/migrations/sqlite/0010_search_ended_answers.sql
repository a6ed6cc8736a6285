-- An answer enters the search index when it ends, not while it streams (issue #19 item 5,
-- docs/decisions/030). Its row is written every flush interval with its whole text so far, and
-- each write re-indexed that text (every trigram of it, deleted and inserted again): an answer
-- streamed for a minute was indexed sixty times over, and with 1,000 answers at once the index
-- took a good share of the writer's time. A row enters the index with a status other than
-- `streaming`, whether inserted so or updated to it (finished, failed, stopped, interrupted).
--
-- The index is external-content: a row must leave it exactly as it entered. The answers streaming
-- now were indexed by the old triggers; they leave it first, so that their final write does not
-- insert their rowid a second time.
INSERT INTO messages_fts (messages_fts, rowid, content)
    SELECT 'delete', rowid, content FROM messages WHERE status = 'streaming';

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;

-- One trigger for both halves, so the old text leaves before the new one enters.
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, status ON messages
    WHEN old.status <> 'streaming' OR new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        SELECT 'delete', old.rowid, old.content WHERE old.status <> 'streaming';
    INSERT INTO messages_fts (rowid, content)
        SELECT new.rowid, new.content WHERE new.status <> 'streaming';
END;
