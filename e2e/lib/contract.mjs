// Shape checks shared by several files: the `message` payload and the ack envelopes (SPEC §3).
// Each assertion message carries the whole payload, so a failure shows what the server sent.

import assert from 'node:assert/strict';
import { show } from './socket.mjs';

const isTime = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/**
 * A user's message as every `message` event must carry it: the SPEC §3 fields plus the original
 * client's `text` (= content) and `timestamp` (= createdAt).
 */
export function assertUserMessage(msg, expected) {
  const ctx = `message ${show(msg)}`;
  assert.equal(typeof msg, 'object', `not an object: ${ctx}`);
  assert.ok(msg !== null, `null message`);
  for (const key of ['id', 'roomId', 'seq', 'userId', 'userName', 'role', 'content', 'text', 'status',
    'model', 'replyTo', 'clientId', 'createdAt', 'timestamp']) {
    assert.ok(key in msg, `missing \`${key}\` in ${ctx}`);
  }
  assert.equal(typeof msg.id, 'string', `id: ${ctx}`);
  assert.ok(Number.isInteger(msg.seq) && msg.seq > 0, `seq must be a positive integer: ${ctx}`);
  assert.equal(msg.role, 'user', `role: ${ctx}`);
  assert.equal(msg.status, 'complete', `status: ${ctx}`);
  assert.equal(msg.text, msg.content, `text must equal content: ${ctx}`);
  assert.ok(isTime(msg.createdAt), `createdAt must be a timestamp string: ${ctx}`);
  assert.equal(msg.timestamp, msg.createdAt, `timestamp must equal createdAt: ${ctx}`);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(msg[key], value, `\`${key}\` should be ${show(value)}: ${ctx}`);
  }
}

/** `{ok: true, ...}`; returns the ack. */
export function assertOk(ack, what) {
  assert.ok(ack && ack.ok === true, `${what}: expected {ok: true, …}, got ${show(ack)}`);
  return ack;
}

/** `{ok: false, error: {code, message}}` with the given code; returns the error. */
export function assertAckError(ack, code, what) {
  assert.ok(ack && ack.ok === false, `${what}: expected {ok: false, error: {code: "${code}"}}, got ${show(ack)}`);
  assert.equal(ack.error?.code, code, `${what}: error code, got ${show(ack)}`);
  assert.equal(typeof ack.error.message, 'string', `${what}: error.message must be a string, got ${show(ack)}`);
  return ack.error;
}
