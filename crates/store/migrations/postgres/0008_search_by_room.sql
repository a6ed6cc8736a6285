-- Search for a word that is rare among the newest messages reads the GIN index ANDed with the
-- searcher's rooms (issue #20, docs/benchmarks.md "Search"). The rooms' side came from the
-- (room_id, seq) key: one entry per message, 22 of the 42 ms at 1,000,000 messages. An index of
-- room_id alone is deduplicated (one entry per room and run of rows): 6 MB against 69 MB there.
CREATE INDEX messages_room_id_idx ON messages (room_id);
-- Every search also reads the GIN index's pending list (new entries not yet merged): up to 4 MB
-- by default, 10-15 ms per search. A smaller list is merged more often, in smaller steps.
ALTER INDEX messages_search_idx SET (gin_pending_list_limit = 256);
