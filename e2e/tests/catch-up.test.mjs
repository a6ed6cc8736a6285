// SPEC §3 guarantee 3, gap-free catch-up: a client that reconnects and joins with
// `since = last seq it saw` gets exactly the messages it missed, in seq order.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { history } from '../lib/api.mjs';
import { assertOk, assertUserMessage } from '../lib/contract.mjs';
import { clientId, join, joined, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck, show, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('catch-up after a reconnect', (ctx) => {
  let alice;
  let bob;
  let room;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob]);
  });

  it('join {roomId, since} returns exactly the missed messages in seq order', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const b = await joined(ctx.base, bob, room.id);

    // One message bob sees live: its seq is where he will resume.
    const seenCid = clientId();
    const seen = waitFor(b, 'message', (m) => m.clientId === seenCid);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'before the gap', clientId: seenCid }), 'send');
    const lastSeen = (await seen).seq;

    b.close();
    const missed = [];
    for (let i = 1; i <= 5; i++) {
      const ack = assertOk(await emitAck(a, 'send', { roomId: room.id, content: `missed ${i}`, clientId: clientId() }), `send ${i}`);
      missed.push(ack.message);
    }

    const b2 = await connect(ctx.base, bob.accessToken);
    const ack = await join(b2, room.id, lastSeen);
    const got = ack.messages;
    assert.ok(Array.isArray(got), `join ack messages: ${show(ack)}`);
    assert.deepEqual(got.map((m) => m.id), missed.map((m) => m.id),
      `expected exactly the 5 missed messages after seq ${lastSeen} ` +
      `(seqs ${missed.map((m) => m.seq)}), got seqs ${show(got.map((m) => m.seq))}: ${show(got, 2000)}`);
    got.forEach((m, i) => {
      assert.equal(m.seq, lastSeen + 1 + i, `seq order without gaps: ${show(got.map((x) => x.seq))}`);
      assertUserMessage(m, { roomId: room.id, userId: alice.id, content: `missed ${i + 1}` });
    });
    a.close();
    b2.close();
  });

  it('join with since = the latest seq returns no messages', async () => {
    const stored = await history(ctx.base, bob.accessToken, room.id, '?limit=200');
    const latest = Math.max(0, ...stored.map((m) => m.seq));
    assert.ok(latest > 0, `the room has history from the previous test: ${show(stored)}`);
    const b = await connect(ctx.base, bob.accessToken);
    const again = await join(b, room.id, latest);
    assert.deepEqual(again.messages, [], `nothing after seq ${latest}: ${show(again)}`);
    b.close();
  });
});
