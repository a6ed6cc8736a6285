// SPEC §3 delivery scope: room events reach only sockets that joined the room; a member's other
// sockets get roomActivity {roomId, seq, createdAt, preview} instead, so room lists stay current
// without receiving every room's traffic.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertOk } from '../lib/contract.mjs';
import { clientId, join, joined, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck, mark, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('roomActivity', (ctx) => {
  let alice;
  let bob;
  let room;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob]);
  });

  it('a member socket that has not joined gets roomActivity, not message; a joined one the reverse', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const b = await connect(ctx.base, bob.accessToken);
    await join(b, 'general'); // joined elsewhere, like a client showing another room
    const sinceA = mark(a);
    const sinceB = mark(b);

    const content = 'activity ping';
    const activity = waitFor(b, 'roomActivity', (e) => e.roomId === room.id);
    const ack = assertOk(await emitAck(a, 'send', { roomId: room.id, content, clientId: clientId() }), 'send');
    const ev = await activity;
    const ctxt = `roomActivity ${show(ev)} for message ${show(ack.message)}`;
    assert.equal(ev.seq, ack.message.seq, `seq: ${ctxt}`);
    assert.equal(ev.createdAt, ack.message.createdAt, `createdAt: ${ctxt}`);
    assert.equal(typeof ev.preview, 'string', `preview: ${ctxt}`);
    // A short message may be shown whole; a preview is at most a (possibly ellipsised) prefix.
    assert.ok(ev.preview.length > 0 && content.startsWith(ev.preview.replace(/(…|\.\.\.)$/, '')),
      `preview should be a prefix of ${show(content)}: ${ctxt}`);

    await sleep(300);
    assert.deepEqual(sinceB('message').filter((m) => m.roomId === room.id), [],
      'a socket that did not join the room got its `message`');
    assert.equal(sinceA('message').filter((m) => m.id === ack.message.id).length, 1,
      'the joined socket should get the `message` once');
    assert.deepEqual(sinceA('roomActivity').filter((e) => e.roomId === room.id), [],
      'a socket that joined the room got roomActivity as well as the message');
    a.close();
    b.close();
  });
});
