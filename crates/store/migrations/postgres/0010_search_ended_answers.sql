-- An answer enters the search index when it ends, not while it streams (issue #19 item 5,
-- docs/decisions/030). Its row is written every flush interval with its whole text so far, and
-- each write computed the text's tsvector again and updated the GIN index with it: an answer
-- streamed for a minute was indexed sixty times over. The generated column is empty while the
-- row is `streaming` (nothing to compute, nothing in the index) and filled by the write that
-- ends it. PostgreSQL 15 cannot change a generated column's expression: it is added again,
-- with its index and that index's settings (0006, 0008).
DROP INDEX messages_search_idx;
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages
    ADD COLUMN search tsvector GENERATED ALWAYS AS (
        CASE WHEN status = 'streaming' THEN NULL ELSE to_tsvector('simple'::regconfig, content) END
    ) STORED;
CREATE INDEX messages_search_idx ON messages USING GIN (search) WITH (gin_pending_list_limit = 256);
