// SPEC §3 error contract: failures are acked {ok: false, error: {code, message}}; without an ack
// they come as an `exception` event; never as an `error` event (the original web client takes
// any `error` event for a lost connection). Unknown events: bad_request with an ack, silence
// without one, and the connection stays up either way.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertAckError, assertOk } from '../lib/contract.mjs';
import { clientId, joined, roomWith, users } from '../lib/scene.mjs';
import { emitAck, mark, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const MAX_MESSAGE_BYTES = 16384; // CHATBOT_MAX_MESSAGE_BYTES default

eachBackend('error acks and exceptions', (ctx) => {
  let alice;
  let room;
  let foreignRoom;
  let a;
  before(async () => {
    let carol;
    [alice, carol] = await users(ctx.base, 'alice', 'carol');
    room = await roomWith(ctx.base, alice);
    foreignRoom = await roomWith(ctx.base, carol); // private, alice is not a member
    a = await joined(ctx.base, alice, room.id);
  });

  /** The connection is still usable: an acked round trip works. */
  async function assertStillUp(what) {
    assert.equal(a.connected, true, `${what}: socket disconnected`);
    assertOk(await emitAck(a, 'getRooms', {}), `${what}: getRooms afterwards`);
  }

  it('send without roomId → bad_request', async () => {
    const ack = await emitAck(a, 'send', { content: 'x', clientId: clientId() });
    assertAckError(ack, 'bad_request', 'send without roomId');
  });

  it('send with a payload that is not an object → bad_request', async () => {
    assertAckError(await emitAck(a, 'send', 'just a string'), 'bad_request', 'send "just a string"');
  });

  it('send to a room you are not a member of → not_found', async () => {
    const ack = await emitAck(a, 'send', { roomId: foreignRoom.id, content: 'x', clientId: clientId() });
    assertAckError(ack, 'not_found', 'send to a foreign private room');
  });

  it('join a private room you are not a member of → not_found', async () => {
    assertAckError(await emitAck(a, 'join', { roomId: foreignRoom.id }), 'not_found', 'join foreign room');
  });

  it(`content over ${MAX_MESSAGE_BYTES} bytes → too_large; exactly ${MAX_MESSAGE_BYTES} is fine`, async () => {
    const over = await emitAck(a, 'send', { roomId: room.id, content: 'x'.repeat(MAX_MESSAGE_BYTES + 1), clientId: clientId() });
    assertAckError(over, 'too_large', `send of ${MAX_MESSAGE_BYTES + 1} ASCII bytes`);
    // The limit counts UTF-8 bytes, not characters: 8193 × "é" is 16386 bytes.
    const multibyte = await emitAck(a, 'send', { roomId: room.id, content: 'é'.repeat(8193), clientId: clientId() });
    assertAckError(multibyte, 'too_large', 'send of 8193 two-byte characters');
    const exact = await emitAck(a, 'send', { roomId: room.id, content: 'x'.repeat(MAX_MESSAGE_BYTES), clientId: clientId() });
    assertOk(exact, `send of exactly ${MAX_MESSAGE_BYTES} bytes`);
  });

  it('an unknown event with an ack → bad_request', async () => {
    assertAckError(await emitAck(a, 'noSuchEvent', { x: 1 }), 'bad_request', 'unknown event');
    await assertStillUp('after an unknown event with ack');
  });

  it('an event name with a JSON escape (`"a\\"b"`, a newline) is an unknown event: bad_request, and the connection stays up', async () => {
    for (const name of ['a"b', 'join\n', 'back\\slash']) {
      assertAckError(await emitAck(a, name, { roomId: room.id }), 'bad_request', `event ${JSON.stringify(name)}`);
    }
    await assertStillUp('after event names with escapes');
  });

  it('an unknown event without an ack → nothing, and the connection stays up', async () => {
    const since = mark(a);
    a.emit('noSuchEvent', { x: 1 });
    await sleep(300);
    await assertStillUp('after an unknown event without ack');
    assert.deepEqual(since('exception'), [], 'unknown event without ack must be ignored, got `exception`');
    assert.deepEqual(since('error'), [], 'unknown event without ack must be ignored, got `error`');
  });

  it('a failed event without an ack → `exception` {status, code, message}, never `error`', async () => {
    const since = mark(a);
    const exception = waitFor(a, 'exception');
    a.emit('send', { roomId: 'nope', content: 'x' });
    const ev = await exception;
    assert.equal(ev.status, 'error', `exception.status: ${show(ev)}`);
    // "nope" is neither a room id nor a UUID: refusing it as malformed or as unknown are both fair.
    assert.ok(['not_found', 'bad_request'].includes(ev.code), `exception.code: ${show(ev)}`);
    assert.equal(typeof ev.message, 'string', `exception.message: ${show(ev)}`);
    await sleep(300);
    assert.deepEqual(since('error'), [], 'the server sent an `error` event');
    await assertStillUp('after an exception');
  });

  it('a too-large send without an ack → `exception` with code too_large', async () => {
    const exception = waitFor(a, 'exception');
    a.emit('send', { roomId: room.id, text: 'x'.repeat(MAX_MESSAGE_BYTES + 1) });
    const ev = await exception;
    assert.equal(ev.status, 'error', `exception.status: ${show(ev)}`);
    assert.equal(ev.code, 'too_large', `exception.code: ${show(ev)}`);
  });
});
