-- Branches (issue #20, docs/conversations.md): the answers to one question are its branches.
-- `prompt` keeps, on an answer, the question text it answered once that question has been edited
-- (null while the question is unchanged); `active_reply` is, on a question, the answer the room
-- follows (null: the newest). What the model is shown follows these.
ALTER TABLE messages ADD COLUMN prompt TEXT;
ALTER TABLE messages ADD COLUMN active_reply BLOB;
