// SPEC §3 typing: the other sockets in the room get userTyping with both `name` (ours) and
// `userName` (the original client's field); the typist does not get its own event.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertOk } from '../lib/contract.mjs';
import { joined, roomWith, users } from '../lib/scene.mjs';
import { emitAck, mark, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('typing', (ctx) => {
  let alice;
  let bob;
  let room;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob]);
  });

  it('others get userTyping {roomId, userId, name, userName, isTyping}; not the typist', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const b = await joined(ctx.base, bob, room.id);
    const sinceA = mark(a);
    const toB = waitFor(b, 'userTyping', (e) => e.userId === alice.id);
    assertOk(await emitAck(a, 'typing', { roomId: room.id, isTyping: true }), 'typing');
    const ev = await toB;
    assert.deepEqual(
      { roomId: ev.roomId, userId: ev.userId, name: ev.name, userName: ev.userName, isTyping: ev.isTyping },
      { roomId: room.id, userId: alice.id, name: alice.name, userName: alice.name, isTyping: true },
      `userTyping ${show(ev)}`,
    );
    await sleep(300);
    assert.deepEqual(sinceA('userTyping'), [], 'the typist got its own userTyping');
    a.close();
    b.close();
  });

  it('toggling typing on and off does not get past the throttle: two starts and their stops per interval', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const b = await joined(ctx.base, bob, room.id);
    await sleep(1100); // a fresh interval (CHATBOT_TYPING_INTERVAL, 1 s by default)
    const sinceB = mark(b);
    for (let i = 0; i < 40; i += 1) {
      assertOk(await emitAck(a, 'typing', { roomId: room.id, isTyping: i % 2 === 0 }), `toggle ${i}`);
    }
    await sleep(300);
    const got = sinceB('userTyping').map((e) => e.isTyping);
    assert.deepEqual(got, [true, false, true, false], `40 toggles within the interval reached bob as ${show(got)}`);
    a.close();
    b.close();
  });
});
