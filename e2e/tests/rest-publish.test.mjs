// A message posted over REST (POST /api/rooms/:id/messages) is a message like any other: the
// sockets that joined the room get it as a `message` event.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { postMessage } from '../lib/api.mjs';
import { assertUserMessage } from '../lib/contract.mjs';
import { clientId, joined, roomWith, users } from '../lib/scene.mjs';
import { waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('REST publish', (ctx) => {
  let alice;
  let bob;
  let room;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob]);
  });

  it('POST /api/rooms/:id/messages reaches joined sockets as `message`', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const b = await joined(ctx.base, bob, room.id);
    const cid = clientId();
    const toA = waitFor(a, 'message', (m) => m.clientId === cid);
    const toB = waitFor(b, 'message', (m) => m.clientId === cid);
    const stored = await postMessage(ctx.base, alice.accessToken, room.id, 'posted over REST', cid);
    const expected = {
      id: stored.id, seq: stored.seq, roomId: room.id, userId: alice.id, userName: alice.name,
      content: 'posted over REST', clientId: cid, createdAt: stored.createdAt,
    };
    assertUserMessage(await toA, expected);
    assertUserMessage(await toB, expected);
    a.close();
    b.close();
  });

  it('the general room: REST post reaches a socket joined to "general" with roomId "general"', async () => {
    const b = await joined(ctx.base, bob, 'general');
    const cid = clientId();
    const toB = waitFor(b, 'message', (m) => m.clientId === cid);
    const stored = await postMessage(ctx.base, alice.accessToken, 'general', 'hello general', cid);
    const msg = await toB;
    assert.equal(msg.roomId, 'general', `roomId on the wire is "general": ${JSON.stringify(msg)}`);
    assert.equal(msg.id, stored.id);
    b.close();
  });
});
