// SPEC §3 compatibility: replays the original web client's exact event sequence, which must keep
// working: no acks, no clientId, `text` instead of `content`, the built-in room `general`, over
// WebSocket and over long-polling. It sends nothing before `connected` and keeps only events
// whose roomId equals the id it joined ("general", literally).

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { users } from '../lib/scene.mjs';
import { connect, firstOf, mark, show, sleep } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('original web client', (ctx) => {
  let user;
  before(async () => {
    [user] = await users(ctx.base, 'legacy');
  });

  for (const transport of ['websocket', 'polling']) {
    it(`connect, join general, send {text}, receive message — over ${transport}`, async () => {
      const socket = await connect(ctx.base, user.accessToken, { transports: [transport] });
      const since = mark(socket);
      const text = 'hello';
      // Registered before emitting: the `message` may arrive right after the send. A roomActivity
      // for general instead means the server handled `send` before this socket's `join` had
      // taken effect: fail at once and say so.
      const first = firstOf(socket, {
        message: (m) => m.roomId === 'general' && m.text === text && m.userId === user.id,
        roomActivity: (e) => e.roomId === 'general',
      }, 10_000);
      socket.emit('join', { roomId: 'general' });
      socket.emit('send', { roomId: 'general', text });
      const { event, payload: msg } = await first;
      assert.equal(event, 'message', `got roomActivity ${show(msg)} instead of \`message\`: the server ` +
        'handled `send` before this socket\'s `join` took effect (one socket\'s events must be ' +
        'handled in the order they were sent)');
      assert.equal(msg.content, text, `content = text: ${show(msg)}`);
      assert.ok(typeof msg.timestamp === 'string' && !Number.isNaN(Date.parse(msg.timestamp)),
        `timestamp: ${show(msg)}`);
      assert.equal(msg.role, 'user', `role: ${show(msg)}`);
      assert.equal(msg.userName, user.name, `userName: ${show(msg)}`);
      await sleep(200);
      assert.deepEqual(since('exception'), [], 'the original sequence produced an `exception`');
      assert.deepEqual(since('error'), [], 'the original client treats an `error` event as a lost connection');
      assert.equal(socket.connected, true, 'still connected');
      socket.close();
    });
  }
});
