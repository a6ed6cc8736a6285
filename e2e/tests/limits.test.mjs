// SPEC §3 / §11 limits beyond the send rate, each a setting, each answered with an error code and
// never a dropped connection: sockets per user, events per socket per second, and the answer
// queue of a room. Also the connect pitfall: a `join` sent the instant the client connects must
// never be lost.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertAckError, assertOk } from '../lib/contract.mjs';
import { clientId, join, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck, expectRefused, openSocket, show, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('limits', (ctx) => {
  let alice;
  let bob;
  let room;
  let slowRoom;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob]);
    slowRoom = await roomWith(ctx.base, alice, [], { aiMode: 'always' });
  });

  it('a user may hold at most CHATBOT_SOCKETS_PER_USER (2) sockets; the third is refused', async () => {
    const first = await connect(ctx.base, bob.accessToken);
    const second = await connect(ctx.base, bob.accessToken);
    const { err } = await expectRefused(ctx.base, bob.accessToken);
    assert.match(err.message, /^rate_limited/, show(err.message));
    second.close();
    await new Promise((r) => setTimeout(r, 200));
    const third = await connect(ctx.base, bob.accessToken);
    assert.ok(third.connected, 'a slot is free again after a disconnect');
    first.close();
    third.close();
  });

  it('events beyond CHATBOT_EVENTS_PER_SECOND (5) are refused with rate_limited, the socket stays', async () => {
    const socket = await connect(ctx.base, alice.accessToken);
    const acks = await Promise.all(Array.from({ length: 8 }, () => emitAck(socket, 'getRooms', {})));
    const refused = acks.filter((a) => a.ok === false);
    assert.ok(refused.length >= 3, `at least 3 of 8 refused: ${show(acks.map((a) => a.ok))}`);
    for (const ack of refused) {
      assertAckError(ack, 'rate_limited', 'event flood');
      assert.equal(typeof ack.error.retryAfter, 'number');
    }
    await new Promise((r) => setTimeout(r, 1100));
    assertOk(await emitAck(socket, 'getRooms', {}), 'a new second');
    assert.ok(socket.connected);
    socket.close();
  });

  it('unknown events count against the same limit (a flood of them is refused, the socket stays)', async () => {
    const socket = await connect(ctx.base, alice.accessToken);
    await new Promise((r) => setTimeout(r, 1100)); // a fresh second for this socket's count
    const acks = await Promise.all(Array.from({ length: 8 }, (_, i) => emitAck(socket, `no_such_event_${i}`, {})));
    const limited = acks.filter((a) => a.ok === false && a.error.code === 'rate_limited');
    const unknown = acks.filter((a) => a.ok === false && a.error.code === 'bad_request');
    assert.equal(unknown.length, 5, `5 within the limit are answered bad_request: ${show(acks)}`);
    assert.equal(limited.length, 3, `the rest are refused as a flood: ${show(acks)}`);
    await new Promise((r) => setTimeout(r, 1100));
    assertOk(await emitAck(socket, 'getRooms', {}), 'the socket still works');
    socket.close();
  });

  it('a full answer queue (CHATBOT_LLM_QUEUE_PER_ROOM 1) stores the message and refuses only its answer', async () => {
    const socket = await connect(ctx.base, alice.accessToken);
    await join(socket, slowRoom.id);
    const send = (i) => emitAck(socket, 'send', { roomId: slowRoom.id, content: `question ${i}`, clientId: clientId() });
    assertOk(await send(1), 'the first answer starts');
    // The first answer is streaming slowly; the second waits in the queue; the third's answer
    // does not fit: the message is stored and delivered all the same, and its answer fails.
    await new Promise((r) => setTimeout(r, 100));
    assertOk(await send(2), 'the second answer queues');
    const refused = waitFor(socket, 'message', (m) => m.role === 'assistant' && m.status === 'failed');
    const third = assertOk(await send(3), 'the third message is stored');
    const answer = await refused;
    assert.equal(answer.replyTo, third.message.id, 'the refused answer replies to the third question');
    assert.equal(answer.error, 'unavailable');
    socket.close();
  });

  it('a join sent the instant the socket connects is never lost (20 times, both transports)', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      for (let i = 0; i < 10; i++) {
        const socket = openSocket(ctx.base, alice.accessToken, { transports });
        const ack = await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`join ${i} over ${transports} got no ack`)), 5000);
          socket.once('connect', () => {
            socket.emitWithAck('join', { roomId: room.id }).then((a) => {
              clearTimeout(timer);
              resolve(a);
            }, reject);
          });
        });
        assertOk(ack, `join ${i} over ${transports}`);
        socket.close();
        // Let the server release the slot (this suite allows 2 sockets per user).
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
}, {
  env: {
    CHATBOT_SOCKETS_PER_USER: '2',
    CHATBOT_EVENTS_PER_SECOND: '5',
    CHATBOT_LLM_QUEUE_PER_ROOM: '1',
    CHATBOT_DEMO_PACE: '200ms',
  },
});
