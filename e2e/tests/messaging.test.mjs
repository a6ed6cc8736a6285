// SPEC §3 join / send / message: the ack shapes, the broadcast to every joined socket (sender
// included), durability before the ack (guarantee 1) and exactly-once per clientId (guarantee 2).

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { history } from '../lib/api.mjs';
import { assertOk, assertUserMessage } from '../lib/contract.mjs';
import { clientId, join, joined, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck, mark, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('join, send, message', (ctx) => {
  let alice;
  let bob;
  let carol;
  let dave;
  let room;
  let a;
  let b;
  before(async () => {
    [alice, bob, carol, dave] = await users(ctx.base, 'alice', 'bob', 'carol', 'dave');
    room = await roomWith(ctx.base, alice, [bob, carol, dave]);
    a = await joined(ctx.base, alice, room.id);
    b = await joined(ctx.base, bob, room.id);
  });

  it('join acks {ok, room, members, online, messages, streaming}', () => {
    const ack = b.joinAck;
    const ctxt = `join ack ${show(ack)}`;
    assert.equal(ack.room?.id, room.id, `room.id: ${ctxt}`);
    assert.ok(Array.isArray(ack.members), `members must be an array: ${ctxt}`);
    const memberIds = ack.members.map((m) => m.userId ?? m.id);
    assert.ok(memberIds.includes(alice.id) && memberIds.includes(bob.id),
      `members should list alice ${alice.id} and bob ${bob.id}: ${ctxt}`);
    assert.ok(ack.online !== undefined && ack.online !== null, `online missing: ${ctxt}`);
    assert.deepEqual(ack.messages, [], `a new room has no messages: ${ctxt}`);
    assert.deepEqual(ack.streaming, [], `nothing is streaming: ${ctxt}`);
  });

  it('send acks {ok, message} and both joined sockets get `message`', async () => {
    const cid = clientId();
    const content = 'hello from alice';
    const toA = waitFor(a, 'message', (m) => m.clientId === cid);
    const toB = waitFor(b, 'message', (m) => m.clientId === cid);
    const ack = assertOk(await emitAck(a, 'send', { roomId: room.id, content, clientId: cid }), 'send');
    const expected = { roomId: room.id, userId: alice.id, userName: alice.name, content, clientId: cid };
    assertUserMessage(ack.message, expected);
    for (const [who, p] of [['sender', toA], ['other member', toB]]) {
      const msg = await p;
      assertUserMessage(msg, { ...expected, id: ack.message.id, seq: ack.message.seq });
      assert.equal(msg.createdAt, ack.message.createdAt, `${who}: createdAt differs from the ack: ${show(msg)}`);
    }
  });

  it('an acknowledged send is already in the history (durable before the ack)', async () => {
    const cid = clientId();
    const ack = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'durable', clientId: cid }), 'send');
    const stored = await history(ctx.base, bob.accessToken, room.id, `?after=${ack.message.seq - 1}`);
    assert.equal(stored[0]?.id, ack.message.id, `history after the ack: ${show(stored)}`);
  });

  it('the same clientId again acks the first message and broadcasts nothing', async () => {
    const cid = clientId();
    const payload = { roomId: room.id, content: 'only once', clientId: cid };
    const firstTo = [a, b].map((s) => waitFor(s, 'message', (m) => m.clientId === cid));
    const first = assertOk(await emitAck(a, 'send', payload), 'first send');
    await Promise.all(firstTo); // the first broadcast is in on both before we start counting
    const sinceA = mark(a);
    const sinceB = mark(b);
    const again = assertOk(await emitAck(a, 'send', payload), 'retried send');
    assert.equal(again.message?.id, first.message.id, `retry must ack the first message: ${show(again)}`);
    assert.equal(again.message?.seq, first.message.seq, `retry must ack the first seq: ${show(again)}`);
    await sleep(500); // a duplicate broadcast would arrive well within this
    assert.deepEqual(sinceA('message'), [], 'the sender got a second `message`');
    assert.deepEqual(sinceB('message'), [], 'the other member got a second `message`');
    const stored = await history(ctx.base, alice.accessToken, room.id, '?limit=200');
    assert.equal(stored.filter((m) => m.clientId === cid).length, 1, `stored copies of ${cid}: ${show(stored)}`);
  });

  // carol and dave have one socket each, so "joined" and "left" are unambiguous per user.
  it('others get userJoined {roomId, userId, name, userName}, the joiner does not', async () => {
    const c = await connect(ctx.base, carol.accessToken);
    const toA = waitFor(a, 'userJoined', (e) => e.userId === carol.id && e.roomId === room.id);
    const sinceC = mark(c);
    await join(c, room.id);
    const ev = await toA;
    assert.equal(ev.name, carol.name, `userJoined.name: ${show(ev)}`);
    assert.equal(ev.userName, carol.name, `userJoined.userName: ${show(ev)}`);
    await sleep(300);
    assert.deepEqual(sinceC('userJoined'), [], 'the joining socket got its own userJoined');
    c.close();
  });

  it('leave: others get userLeft {roomId, userId, name, userName}', async () => {
    const d = await joined(ctx.base, dave, room.id);
    const toA = waitFor(a, 'userLeft', (e) => e.userId === dave.id && e.roomId === room.id);
    assertOk(await emitAck(d, 'leave', { roomId: room.id }), 'leave');
    const ev = await toA;
    assert.equal(ev.name, dave.name, `userLeft.name: ${show(ev)}`);
    assert.equal(ev.userName, dave.name, `userLeft.userName: ${show(ev)}`);
    d.close();
  });
});
