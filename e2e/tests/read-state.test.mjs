// SPEC §3 read state: getRooms lists the user's rooms with unread counts; sync_read stores the
// read position and tells the user's OTHER sockets (readSync), whether it names a seq or, as the
// original client does, a messageId.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { postMessage } from '../lib/api.mjs';
import { assertOk } from '../lib/contract.mjs';
import { join, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck, mark, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('getRooms and sync_read', (ctx) => {
  let alice;
  let bob;
  let room;
  let posted;
  let a;
  let b1;
  let b2;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob]);
    posted = [];
    for (let i = 1; i <= 3; i++) posted.push(await postMessage(ctx.base, alice.accessToken, room.id, `unread ${i}`));
    a = await connect(ctx.base, alice.accessToken);
    b1 = await connect(ctx.base, bob.accessToken);
    b2 = await connect(ctx.base, bob.accessToken); // bob's second device, joined to nothing
  });

  async function roomEntry(socket) {
    const ack = assertOk(await emitAck(socket, 'getRooms', {}), 'getRooms');
    assert.ok(Array.isArray(ack.rooms), `getRooms must ack {ok, rooms: […]}: ${show(ack)}`);
    const entry = ack.rooms.find((r) => r.id === room.id);
    assert.ok(entry, `room ${room.id} missing from getRooms: ${show(ack, 2000)}`);
    assert.ok(ack.rooms.some((r) => r.id === 'general'), `general missing from getRooms: ${show(ack, 2000)}`);
    return entry;
  }

  it('getRooms acks {ok, rooms} with unreadCount', async () => {
    const entry = await roomEntry(b1);
    assert.equal(entry.unreadCount, 3, `bob has 3 unread messages: ${show(entry)}`);
  });

  it('sync_read {roomId, seq}: the user\'s other socket gets readSync; unreadCount follows', async () => {
    await join(b1, room.id);
    const sinceB1 = mark(b1);
    const sinceA = mark(a);
    const seq = posted[2].seq;
    const toB2 = waitFor(b2, 'readSync', (e) => e.roomId === room.id);
    assertOk(await emitAck(b1, 'sync_read', { roomId: room.id, seq }), 'sync_read');
    const ev = await toB2;
    assert.deepEqual({ roomId: ev.roomId, seq: ev.seq }, { roomId: room.id, seq }, `readSync ${show(ev)}`);
    await sleep(300);
    assert.deepEqual(sinceB1('readSync'), [], 'the socket that read got its own readSync');
    assert.deepEqual(sinceA('readSync'), [], 'another user got bob\'s readSync');
    const entry = await roomEntry(b2);
    assert.equal(entry.unreadCount, 0, `everything read: ${show(entry)}`);
  });

  it('sync_read {roomId, messageId} (the original client\'s form) reads up to that message', async () => {
    const m4 = await postMessage(ctx.base, alice.accessToken, room.id, 'unread 4');
    await postMessage(ctx.base, alice.accessToken, room.id, 'unread 5');
    const toB2 = waitFor(b2, 'readSync', (e) => e.roomId === room.id && e.seq === m4.seq);
    assertOk(await emitAck(b1, 'sync_read', { roomId: room.id, messageId: m4.id }), 'sync_read by messageId');
    await toB2;
    const entry = await roomEntry(b1);
    assert.equal(entry.unreadCount, 1, `read up to message 4 of 5: ${show(entry)}`);
  });
});
