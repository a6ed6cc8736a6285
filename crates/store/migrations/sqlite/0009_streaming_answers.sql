-- Answers still streaming, found through an index that holds only them (issue #19 item 6). The
-- sweep for abandoned answers (server housekeeping, every five flush intervals) looked for
-- `status = 'streaming'` by reading every message: on the writer connection, so each sweep held
-- every send back for as long as the history took to scan, longer every day. The index holds the
-- few live answers; each one leaves it when it ends.
CREATE INDEX messages_streaming_idx ON messages (updated_at) WHERE status = 'streaming';
