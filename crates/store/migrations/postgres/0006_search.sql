-- Full-text search over messages (issue #20, docs/conversations.md "Search"). A tsvector with
-- the `simple` configuration (no stemming, no stop words: the same for every language) and a GIN
-- index. Queries match terms as word prefixes, so Korean words are found with their particles
-- (`안녕` finds `안녕하세요`). A generated column: PostgreSQL keeps it in step with every insert,
-- edit and deletion itself.
ALTER TABLE messages
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, content)) STORED;
CREATE INDEX messages_search_idx ON messages USING GIN (search);
