// Scale-out (SPEC §5, docs/scaling.md): three instances on one PostgreSQL database and a private
// Redis. Every broadcast reaches sockets on every instance, room order is the same everywhere,
// answers stream across instances (late joiners included), any instance can stop them, an
// instance killed mid-answer has its answers ended by the others, and losing Redis degrades to
// same-instance delivery and heals by itself.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../lib/api.mjs';
import { startCluster } from '../lib/cluster.mjs';
import { setDatabaseDown } from '../lib/postgres.mjs';
import { assertOk } from '../lib/contract.mjs';
import { clientId, join, joined, roomWith, users } from '../lib/scene.mjs';
import { closeAll, collect, connect, emitAck, expectRefused, mark, show, sleep, waitFor } from '../lib/socket.mjs';

const ANSWER_MS = 20_000;

describe('scale-out: three instances, one PostgreSQL, one Redis', { timeout: 300_000 }, () => {
  let cluster;
  let bases;
  let alice;
  let bob;
  let carol;

  before(async () => {
    cluster = await startCluster({
      count: 3,
      env: {
        CHATBOT_DEMO_PACE: '40ms',
        CHATBOT_SOCKETS_PER_USER: '100',
        // An instance killed mid-answer is noticed within 5 flushes.
        CHATBOT_LLM_FLUSH_INTERVAL: '200ms',
      },
    });
    bases = cluster.instances.map((i) => i.base);
    [alice, bob, carol] = await users(bases[0], 'alice', 'bob', 'carol');
  });

  after(async () => {
    closeAll();
    if (process.env.E2E_SERVER_LOG) {
      cluster?.instances.forEach((i, n) => process.stderr.write(`--- instance ${n} ---\n${i.output()}\n`));
    }
    await cluster?.stop();
  });

  it('a message sent on one instance reaches members on every instance, typing and read sync too', async () => {
    const room = await roomWith(bases[0], alice, [bob, carol]);
    const a = await joined(bases[0], alice, room.id);
    const b = await joined(bases[1], bob, room.id);
    const c = await joined(bases[2], carol, room.id);
    const aliceOther = await connect(bases[2], alice.accessToken);
    const got = [a, b, c].map((s) => collect(s, 'message', (m) => m.roomId === room.id));
    const sent = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'hello from 0', clientId: clientId() }), 'send');
    for (const list of got) {
      const [message] = await list.until(1);
      assert.equal(message.id, sent.message.id);
      assert.equal(message.seq, sent.message.seq);
    }
    const typing = waitFor(c, 'userTyping', (e) => e.roomId === room.id && e.userId === bob.id);
    assertOk(await emitAck(b, 'typing', { roomId: room.id, isTyping: true }), 'typing');
    assert.equal((await typing).isTyping, true);
    const readSync = waitFor(aliceOther, 'readSync', (e) => e.roomId === room.id);
    assertOk(await emitAck(a, 'sync_read', { roomId: room.id, seq: sent.message.seq }), 'sync_read');
    assert.equal((await readSync).seq, sent.message.seq, 'the same user on another instance hears of the read');
    const joinedEvent = waitFor(a, 'userJoined', (e) => e.roomId === room.id && e.userId === carol.id);
    const c2 = await connect(bases[1], carol.accessToken);
    await join(c2, room.id);
    await joinedEvent;
  });

  it('presence counts devices on every instance: online in join acks, offline only when the last one goes', async () => {
    const [erin, frank] = await users(bases[0], 'erin', 'frank');
    const room = await roomWith(bases[0], erin, [frank]);
    const f1 = await connect(bases[1], frank.accessToken);
    assert.equal(f1.hello.deviceCount, 1);
    const e = await joined(bases[0], erin, room.id);
    assert.ok(e.joinAck.online.includes(frank.id), `frank (on another instance) is online: ${show(e.joinAck.online)}`);
    const f2 = await connect(bases[2], frank.accessToken);
    assert.equal(f2.hello.deviceCount, 2, 'devices on every instance are counted');
    const since = mark(e);
    f1.close();
    await sleep(500);
    assert.deepEqual(since('user_status').filter((s) => s.userId === frank.id), [], 'frank is still online on another instance');
    const offline = waitFor(e, 'user_status', (s) => s.userId === frank.id && s.online === false);
    f2.close();
    await offline;
  });

  it('membership changes reach the added user on another instance', async () => {
    const room = await roomWith(bases[0], alice);
    const b = await connect(bases[2], bob.accessToken);
    const added = waitFor(b, 'memberAdded', (e) => e.roomId === room.id && e.userId === bob.id);
    const res = await request(bases[0], 'POST', `/api/rooms/${room.id}/members`, { token: alice.accessToken, body: { userId: bob.id } });
    assert.equal(res.status, 201, show(res.body));
    await added;
    // Joined to the room's member group on its own instance: activity arrives there too.
    const activity = waitFor(b, 'roomActivity', (e) => e.roomId === room.id);
    const a = await joined(bases[1], alice, room.id);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'for the room list', clientId: clientId() }), 'send');
    await activity;
  });

  it('3 instances × 10 senders × 100 messages: every receiver on every instance sees the same gap-free order', async () => {
    const room = await roomWith(bases[0], alice, [bob]);
    const receivers = await Promise.all(bases.map((base) => joined(base, bob, room.id)));
    const perReceiver = receivers.map((r) => collect(r, 'message', (m) => m.roomId === room.id));
    const senders = [];
    for (const base of bases) {
      for (let i = 0; i < 10; i++) senders.push(await joined(base, alice, room.id));
    }
    const total = senders.length * 100;
    await Promise.all(senders.map(async (socket, s) => {
      for (let n = 0; n < 100; n++) {
        assertOk(await emitAck(socket, 'send', { roomId: room.id, content: `s${s} n${n}`, clientId: clientId() }, 20_000), 'send');
      }
    }));
    const first = receivers[0].joinAck.room.lastSeq ?? 0;
    for (const [i, list] of perReceiver.entries()) {
      const items = await list.until(total, 60_000);
      const seqs = items.map((m) => m.seq);
      seqs.forEach((seq, k) => {
        if (seq !== first + 1 + k) {
          assert.fail(`receiver on instance ${i}: message ${k} has seq ${seq}, expected ${first + 1 + k} (${show(seqs.slice(Math.max(0, k - 5), k + 5))})`);
        }
      });
    }
    const orders = perReceiver.map((list) => list.items.map((m) => m.id).join(','));
    assert.equal(new Set(orders).size, 1, 'identical order on every instance');
    for (const s of [...senders, ...receivers]) s.close();
  });

  it('an answer generated on one instance streams to members on the others; a late joiner elsewhere gets the text so far', async () => {
    const room = await roomWith(bases[0], alice, [bob, carol], { aiMode: 'always' });
    const a = await joined(bases[0], alice, room.id);
    const b = await joined(bases[1], bob, room.id);
    const streamOnB = collect(b, 'stream', () => true);
    const started = waitFor(a, 'stream', (e) => e.start === true, ANSWER_MS);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'across instances', clientId: clientId() }), 'send');
    const start = await started;
    const endOnB = waitFor(b, 'stream', (e) => e.messageId === start.messageId && e.end === true, ANSWER_MS);
    await waitFor(b, 'stream', (e) => e.messageId === start.messageId && e.index === 3, ANSWER_MS);
    const c = await connect(bases[2], carol.accessToken);
    const later = collect(c, 'stream', (e) => e.messageId === start.messageId);
    const ack = await join(c, room.id);
    const snapshot = ack.streaming.find((s) => s.messageId === start.messageId);
    assert.ok(snapshot, `the join ack on another instance lists the streaming answer: ${show(ack.streaming)}`);
    assert.ok(snapshot.nextIndex >= 4 && snapshot.content.length > 0, show(snapshot));
    const end = await waitFor(c, 'stream', (e) => e.messageId === start.messageId && e.end === true, ANSWER_MS);
    const tail = later.items.filter((e) => e.token !== undefined && e.index >= snapshot.nextIndex).sort((x, y) => x.index - y.index);
    tail.forEach((chunk, i) => assert.equal(chunk.index, snapshot.nextIndex + i, 'no gap after the snapshot'));
    assert.equal(snapshot.content + tail.map((e) => e.token).join(''), end.content, 'no gap, no duplicate');
    await endOnB;
    const onB = streamOnB.items.filter((e) => e.messageId === start.messageId);
    assert.equal(onB[0].start, true, show(onB.slice(0, 3)));
    const chunks = onB.filter((e) => e.token !== undefined);
    chunks.forEach((chunk, i) => assert.equal(chunk.index, i, 'chunks in order on another instance'));
    assert.equal(chunks.map((e) => e.token).join(''), end.content);
    assert.equal(onB.at(-1).end, true);
  });

  it('any instance can stop an answer another instance generates', async () => {
    const room = await roomWith(bases[0], alice, [bob], { aiMode: 'always' });
    const a = await joined(bases[0], alice, room.id);
    const b = await joined(bases[1], bob, room.id);
    const started = waitFor(b, 'stream', (e) => e.start === true, ANSWER_MS);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'stop me from elsewhere', clientId: clientId() }), 'send');
    const start = await started;
    await waitFor(b, 'stream', (e) => e.messageId === start.messageId && e.index === 1, ANSWER_MS);
    const ended = waitFor(a, 'stream', (e) => e.messageId === start.messageId && e.end === true, ANSWER_MS);
    assertOk(await emitAck(b, 'stop', { roomId: room.id, messageId: start.messageId }), 'stop on another instance');
    assert.equal((await ended).status, 'stopped');
    const missing = await emitAck(b, 'stop', { roomId: room.id, messageId: start.messageId });
    assert.equal(missing.ok, false, 'an answer that ended cannot be stopped');
    assert.equal(missing.error.code, 'not_found');
  });

  it('regenerate from another instance than the one that answered', async () => {
    const room = await roomWith(bases[0], alice, [bob], { aiMode: 'always' });
    const a = await joined(bases[0], alice, room.id);
    const b = await joined(bases[2], bob, room.id);
    const first = waitFor(b, 'stream', (e) => e.end === true, ANSWER_MS);
    const sent = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'answer me twice', clientId: clientId() }), 'send');
    const ended = await first;
    const second = waitFor(a, 'stream', (e) => e.end === true && e.messageId !== ended.messageId, ANSWER_MS);
    const secondStart = waitFor(a, 'stream', (e) => e.start === true && e.messageId !== ended.messageId, ANSWER_MS);
    assertOk(await emitAck(b, 'regenerate', { roomId: room.id, messageId: ended.messageId }), 'regenerate on another instance');
    assert.equal((await secondStart).replyTo, sent.message.id);
    assert.equal((await second).status, 'complete');
  });

  it('a device signed out on one instance loses its socket on another', async () => {
    const [hana] = await users(bases[0], 'hana');
    const socket = await connect(bases[2], hana.accessToken);
    const revoked = waitFor(socket, 'sessionRevoked', () => true);
    const gone = new Promise((resolve) => socket.once('disconnect', resolve));
    const res = await request(bases[0], 'POST', '/api/auth/logout', { body: { refreshToken: hana.refreshToken } });
    assert.equal(res.status, 204, show(res.body));
    assert.equal((await revoked).reason, 'signed_out');
    await gone;
  });

  it('an instance killed mid-answer: the others end its answer `interrupted` for every member', async () => {
    const room = await roomWith(bases[0], alice, [bob], { aiMode: 'always' });
    const b = await joined(bases[0], bob, room.id);
    const a = await joined(bases[2], alice, room.id);
    const started = waitFor(b, 'stream', (e) => e.start === true, ANSWER_MS);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'then the instance dies', clientId: clientId() }), 'send');
    const start = await started;
    await waitFor(b, 'stream', (e) => e.messageId === start.messageId && e.index === 1, ANSWER_MS);
    const ended = waitFor(b, 'stream', (e) => e.messageId === start.messageId && e.end === true, ANSWER_MS);
    const message = waitFor(b, 'message', (m) => m.id === start.messageId, ANSWER_MS);
    await cluster.instances[2].crash();
    const end = await ended;
    assert.equal(end.status, 'interrupted');
    assert.equal((await message).status, 'interrupted');
    await cluster.instances[2].restart();
  });

  it('PostgreSQL gone: sends are answered `unavailable`, never acked and lost; back: every instance recovers without a restart', async () => {
    const room = await roomWith(bases[0], alice, [bob]);
    const a = await joined(bases[0], alice, room.id);
    const b = await joined(bases[1], bob, room.id);
    setDatabaseDown(cluster.database.name, true);
    const retried = clientId();
    try {
      const refused = await emitAck(a, 'send', { roomId: room.id, content: 'while the database is down', clientId: retried }, 20_000);
      assert.equal(refused.ok, false, `not acked: ${show(refused)}`);
      assert.equal(refused.error.code, 'unavailable', show(refused));
      assert.ok(refused.error.retryAfter >= 1, show(refused));
      const ready = await request(bases[1], 'GET', '/readyz');
      assert.equal(ready.status, 503, show(ready.body));
    } finally {
      setDatabaseDown(cluster.database.name, false);
    }
    // The same send again (the client's retry) goes through once the database is back.
    let sent;
    for (let i = 0; i < 60 && !sent; i++) {
      const ack = await emitAck(a, 'send', { roomId: room.id, content: 'while the database is down', clientId: retried }, 20_000);
      if (ack.ok) sent = ack;
      else await sleep(500);
    }
    assert.ok(sent, 'sends succeed again without restarting the instance');
    assert.equal(sent.duplicate, false, 'the refused send was not stored');
    await waitFor(b, 'message', (m) => m.id === sent.message.id);
    for (const base of bases) {
      const ready = await request(base, 'GET', '/readyz');
      assert.equal(ready.status, 200, show(ready.body));
    }
  });

  it('Redis stopped: sends stay durable, same-instance delivery goes on, /readyz says so; back: delivery heals by itself', async () => {
    const room = await roomWith(bases[0], alice, [bob]);
    const a = await joined(bases[0], alice, room.id);
    const sameInstance = await joined(bases[0], bob, room.id);
    const b = await joined(bases[1], bob, room.id);
    await cluster.redis.stop();
    // /readyz pings Redis itself: 200 `degraded` (the database is fine), Redis not ok.
    const ready = await request(bases[0], 'GET', '/readyz');
    assert.equal(ready.status, 200, show(ready.body));
    assert.equal(ready.body.status, 'degraded', show(ready.body));
    assert.equal(ready.body.checks.redis.ok, false, show(ready.body));
    const local = waitFor(sameInstance, 'message', (m) => m.roomId === room.id && m.content === 'while Redis is down');
    const during = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'while Redis is down', clientId: clientId() }), 'send without Redis');
    await local;
    const stored = await request(bases[1], 'GET', `/api/rooms/${room.id}/messages`, { token: bob.accessToken });
    assert.ok(stored.body.messages.some((m) => m.id === during.message.id), 'acked and durable');

    await cluster.redis.start();
    const healedAt = Date.now();
    let healed = false;
    while (!healed && Date.now() - healedAt < 30_000) {
      const probe = `after Redis returned ${Date.now()}`;
      const arrived = waitFor(b, 'message', (m) => m.content === probe, 1000).then(() => true, () => false);
      assertOk(await emitAck(a, 'send', { roomId: room.id, content: probe, clientId: clientId() }), 'send');
      healed = await arrived;
    }
    assert.ok(healed, 'cross-instance delivery recovered within 30 s of Redis returning');
    // The receiver on the other instance saw a jump in seq (the message sent without Redis):
    // `join {since}` repairs it.
    const repaired = await join(b, room.id, b.joinAck.room.lastSeq);
    assert.ok(repaired.messages.some((m) => m.id === during.message.id), 'join {since} returns what was missed');
  });
});

describe('scale-out: limits shared by two instances', { timeout: 120_000 }, () => {
  let cluster;
  let bases;

  before(async () => {
    cluster = await startCluster({
      count: 2,
      env: {
        CHATBOT_SEND_RATE: '5',
        CHATBOT_SEND_RATE_WINDOW: '60s',
        CHATBOT_LOGIN_FAILURES_PER_ACCOUNT: '4',
        CHATBOT_LLM_PER_USER_CONCURRENCY: '1',
        CHATBOT_SOCKETS_PER_USER: '2',
        CHATBOT_DEMO_PACE: '20ms',
      },
    });
    bases = cluster.instances.map((i) => i.base);
  });

  after(async () => {
    closeAll();
    await cluster?.stop();
  });

  it('the send rate counts sends on every instance together', async () => {
    const [alice] = await users(bases[0], 'alice');
    const room = await roomWith(bases[0], alice);
    const on = await Promise.all(bases.map((base) => joined(base, alice, room.id)));
    for (let i = 0; i < 5; i++) {
      assertOk(await emitAck(on[i % 2], 'send', { roomId: room.id, content: `n${i}`, clientId: clientId() }), `send ${i}`);
    }
    for (const socket of on) {
      const refused = await emitAck(socket, 'send', { roomId: room.id, content: 'one too many', clientId: clientId() });
      assert.equal(refused.ok, false, show(refused));
      assert.equal(refused.error.code, 'rate_limited');
      assert.ok(refused.error.retryAfter >= 1, show(refused));
    }
  });

  it('sockets per user count on every instance together', async () => {
    const [gina] = await users(bases[0], 'gina');
    const first = await connect(bases[0], gina.accessToken);
    await connect(bases[1], gina.accessToken);
    for (const base of bases) {
      const { err } = await expectRefused(base, gina.accessToken);
      assert.match(err.message, /rate_limited/, show(err.message));
    }
    first.close();
    await sleep(300);
    const again = await connect(bases[0], gina.accessToken);
    assert.equal(again.hello.deviceCount, 2, 'a device that left frees its place on every instance');
  });

  it('failed sign-ins count on every instance together', async () => {
    const [bob] = await users(bases[0], 'bob');
    for (let i = 0; i < 4; i++) {
      const res = await request(bases[i % 2], 'POST', '/api/auth/login', { body: { email: bob.email, password: 'wrong password!' } });
      assert.equal(res.status, 401, `attempt ${i}: ${show(res.body)}`);
    }
    for (const base of bases) {
      const res = await request(base, 'POST', '/api/auth/login', { body: { email: bob.email, password: 'wrong password!' } });
      assert.equal(res.status, 429, show(res.body));
    }
  });

  it('one answer at a time per room, and per user, across instances', async () => {
    const [carol, dave] = await users(bases[0], 'carol', 'dave');
    const room = await roomWith(bases[0], carol, [dave], { aiMode: 'always' });
    const c = await joined(bases[0], carol, room.id);
    const d = await joined(bases[1], dave, room.id);
    const streams = collect(c, 'stream', () => true);
    await Promise.all([
      emitAck(c, 'send', { roomId: room.id, content: 'first', clientId: clientId() }),
      emitAck(d, 'send', { roomId: room.id, content: 'second', clientId: clientId() }),
    ]);
    const ends = await collect(c, 'stream', (e) => e.end === true).until(2, ANSWER_MS);
    assert.equal(ends.length, 2);
    // Events in arrival order: the second start comes after the first end.
    const starts = streams.items.map((e, i) => [e, i]).filter(([e]) => e.start);
    const firstEnd = streams.items.findIndex((e) => e.end && e.messageId === starts[0][0].messageId);
    assert.ok(starts[1][1] > firstEnd, `answers overlapped: ${show(streams.items.filter((e) => e.start || e.end))}`);

    // Carol asks in two rooms on two instances: with one answer per user, they run one after the other.
    const other = await roomWith(bases[0], carol, [], { aiMode: 'always' });
    const c2 = await joined(bases[1], carol, other.id);
    const both = [collect(c, 'stream', (e) => e.start || e.end), collect(c2, 'stream', (e) => e.start || e.end)];
    const times = [];
    c.on('stream', (e) => { if (e.start || e.end) times.push({ room: e.roomId, kind: e.start ? 'start' : 'end', at: Date.now() }); });
    c2.on('stream', (e) => { if (e.start || e.end) times.push({ room: e.roomId, kind: e.start ? 'start' : 'end', at: Date.now() }); });
    await Promise.all([
      emitAck(c, 'send', { roomId: room.id, content: 'room one', clientId: clientId() }),
      emitAck(c2, 'send', { roomId: other.id, content: 'room two', clientId: clientId() }),
    ]);
    await both[0].until(2, ANSWER_MS);
    await both[1].until(2, ANSWER_MS);
    const kinds = times.map((t) => t.kind);
    assert.deepEqual(kinds, ['start', 'end', 'start', 'end'], `one answer of carol's at a time: ${show(times)}`);
  });
});
