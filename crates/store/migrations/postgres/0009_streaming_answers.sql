-- Answers still streaming, found through an index that holds only them (issue #19 item 6). The
-- sweep for abandoned answers (server housekeeping, every five flush intervals, on every
-- instance) looked for `status = 'streaming'` by reading every message: a sequential scan of the
-- whole history every few seconds, longer every day. The index holds the few live answers; each
-- one leaves it when it ends.
CREATE INDEX messages_streaming_idx ON messages (updated_at) WHERE status = 'streaming';
