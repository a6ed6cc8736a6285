// SPEC §3 / §11: the per-user send rate limit answers rate_limited with a retryAfter (seconds),
// as an ack error or, without an ack, as an `exception`; never by dropping the connection.
// This suite's server allows 3 sends per 10 s (CHATBOT_SEND_RATE, CHATBOT_SEND_RATE_WINDOW).

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertAckError, assertOk } from '../lib/contract.mjs';
import { clientId, joined, roomWith, users } from '../lib/scene.mjs';
import { emitAck, mark, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const RATE = 3;
const WINDOW_SECONDS = 10;

eachBackend('send rate limit', (ctx) => {
  let alice;
  let bob;
  let room;
  let a;
  let b;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob]);
    a = await joined(ctx.base, alice, room.id);
    b = await joined(ctx.base, bob, room.id);
  });

  it(`send number ${RATE + 1} within the window → rate_limited with retryAfter`, async () => {
    for (let i = 1; i <= RATE; i++) {
      assertOk(await emitAck(a, 'send', { roomId: room.id, content: `m${i}`, clientId: clientId() }), `send ${i} of ${RATE}`);
    }
    const sinceB = mark(b);
    const ack = await emitAck(a, 'send', { roomId: room.id, content: 'one too many', clientId: clientId() });
    const error = assertAckError(ack, 'rate_limited', `send ${RATE + 1}`);
    assert.equal(typeof error.retryAfter, 'number', `retryAfter must be a number (seconds): ${show(ack)}`);
    assert.ok(error.retryAfter > 0 && error.retryAfter <= WINDOW_SECONDS,
      `retryAfter should be within the ${WINDOW_SECONDS}s window: ${show(ack)}`);
    await sleep(300);
    assert.deepEqual(sinceB('message').filter((m) => m.content === 'one too many'), [],
      'a refused send was broadcast');
  });

  it('without an ack the refusal is an `exception` with retryAfter, and the socket stays up', async () => {
    const since = mark(a);
    const exception = waitFor(a, 'exception', (e) => e.code === 'rate_limited');
    a.emit('send', { roomId: room.id, text: 'still too many' });
    const ev = await exception;
    assert.equal(ev.status, 'error', `exception.status: ${show(ev)}`);
    assert.equal(typeof ev.retryAfter, 'number', `exception.retryAfter: ${show(ev)}`);
    assert.equal(typeof ev.message, 'string', `exception.message: ${show(ev)}`);
    assert.deepEqual(since('error'), [], 'the server sent an `error` event');
    assert.equal(a.connected, true, 'rate limiting must not drop the connection');
  });

  it('the limit is per user: another member can still send', async () => {
    assertOk(await emitAck(b, 'send', { roomId: room.id, content: 'bob is fine', clientId: clientId() }), 'bob\'s send');
  });
}, { env: { CHATBOT_SEND_RATE: String(RATE), CHATBOT_SEND_RATE_WINDOW: `${WINDOW_SECONDS}s` } });
