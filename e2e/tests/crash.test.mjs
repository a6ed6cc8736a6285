// Crash safety (hardening issue, item 6): 200 senders keep sending while the server is killed
// with SIGKILL (no chance to finish anything) and started again on the same database. Each
// sender retries every message with the same clientId until it is acknowledged. Afterwards every
// acknowledged message is in the history exactly once, with the seq its ack named, and the
// room's seqs have no gap: SPEC §3 guarantees 1 (durable before the ack), 2 (exactly once per
// clientId) and 3 (gap-free), across a crash.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { io } from 'socket.io-client';
import { request } from '../lib/api.mjs';
import { clientId, roomWith, users } from '../lib/scene.mjs';
import { show, sleep } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const USERS = 20;
const SENDERS_PER_USER = 10; // 200 senders
const MESSAGES_PER_SENDER = 10;
const ACK_TIMEOUT_MS = 3000;
const DEADLINE_MS = 90_000;

eachBackend('crash safety', (ctx) => {
  let people;
  let room;
  before(async () => {
    people = await users(ctx.base, ...Array.from({ length: USERS }, (_, i) => `crash${i}`));
    room = await roomWith(ctx.base, people[0], people.slice(1));
  });

  it('kill -9 mid-traffic: every acknowledged message exactly once, seq gap-free', { timeout: 180_000 }, async () => {
    const acked = new Map(); // clientId → {seq, id}
    const sockets = [];
    const started = Date.now();

    const sender = async (user, n) => {
      const socket = io(`${ctx.base}/chat`, {
        auth: { token: user.accessToken },
        transports: ['websocket'],
        forceNew: true,
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
        timeout: 2000,
      });
      sockets.push(socket);
      for (let i = 0; i < MESSAGES_PER_SENDER; i++) {
        const id = clientId();
        const content = `sender ${user.name}/${n} message ${i}`;
        for (;;) {
          if (Date.now() - started > DEADLINE_MS) throw new Error(`${content}: never acknowledged`);
          if (!socket.connected) {
            await new Promise((resolve) => socket.once('connect', resolve));
          }
          let ack;
          try {
            ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('send', { roomId: room.id, content, clientId: id });
          } catch {
            continue; // no ack (the server died, or the socket with it): the same clientId again
          }
          if (ack?.ok) {
            acked.set(id, { seq: ack.message.seq, id: ack.message.id, content });
            break;
          }
          // Refused while the server was coming back (unavailable): retry after a pause.
          await sleep(100);
        }
      }
    };

    const senders = [];
    for (const user of people) {
      for (let n = 0; n < SENDERS_PER_USER; n++) senders.push(sender(user, n));
    }
    // Let traffic flow, kill the server mid-stream, start it again on the same database.
    while (acked.size < 200 && Date.now() - started < 20_000) await sleep(20);
    const before = acked.size;
    await ctx.server.crash();
    await sleep(300);
    await ctx.server.restart();
    await Promise.all(senders);
    for (const socket of sockets) socket.close();
    assert.ok(before > 0 && before < USERS * SENDERS_PER_USER * MESSAGES_PER_SENDER,
      `the crash came mid-traffic (${before} acknowledged before it)`);

    // The whole history, oldest first.
    const history = [];
    for (let after = 0; ;) {
      const page = await request(ctx.base, 'GET', `/api/rooms/${room.id}/messages?after=${after}&limit=200`,
        { token: people[0].accessToken });
      assert.equal(page.status, 200, show(page.body));
      if (page.body.messages.length === 0) break;
      history.push(...page.body.messages);
      after = page.body.messages.at(-1).seq;
    }
    const total = USERS * SENDERS_PER_USER * MESSAGES_PER_SENDER;
    assert.equal(acked.size, total, 'every message was acknowledged in the end');
    const seqs = history.map((m) => m.seq);
    assert.deepEqual(seqs, Array.from({ length: history.length }, (_, i) => i + 1), 'seq is 1, 2, 3, … with no gap');
    const byClientId = new Map();
    for (const m of history) {
      assert.ok(!byClientId.has(m.clientId), `clientId ${m.clientId} stored twice: ${show(m)}`);
      byClientId.set(m.clientId, m);
    }
    for (const [id, ack] of acked) {
      const stored = byClientId.get(id);
      assert.ok(stored, `acknowledged message ${id} (${ack.content}) is missing from the history`);
      assert.equal(stored.seq, ack.seq, `the ack named seq ${ack.seq}, the history has ${stored.seq}`);
      assert.equal(stored.content, ack.content);
    }
    assert.equal(history.length, total, 'nothing but the acknowledged messages');
  });
}, { env: { CHATBOT_SOCKETS_PER_USER: '1000' } });
