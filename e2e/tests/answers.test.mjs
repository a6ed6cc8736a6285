// Streaming answers (SPEC §3 `stream`, guarantees 4 and 5; SPEC §6) with the offline demo model:
// start → chunks with index 0,1,2… → end → the answer once as a `message`; stop; regenerate; a
// late joiner gets the text so far and every later chunk; the asker may disconnect.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { history, request } from '../lib/api.mjs';
import { assertOk } from '../lib/contract.mjs';
import { clientId, join, joined, roomWith, users } from '../lib/scene.mjs';
import { collect, connect, emitAck, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const ANSWER_MS = 20_000;

/** Records one answer's stream on `socket`: resolves when its `end` arrives. */
function recordAnswer(socket, predicate = () => true) {
  const events = [];
  let messageId;
  const done = new Promise((resolve) => {
    socket.on('stream', (e) => {
      if (messageId === undefined) {
        if (!e.start || !predicate(e)) return;
        messageId = e.messageId;
      }
      if (e.messageId !== messageId) return;
      events.push(e);
      if (e.end) resolve(events);
    });
  });
  return { events, done: () => Promise.race([done, sleep(ANSWER_MS).then(() => { throw new Error(`no stream end: ${show(events)}`); })]) };
}

function chunksOf(events) {
  return events.filter((e) => e.token !== undefined);
}

eachBackend('answers', (ctx) => {
  let alice;
  let bob;
  let room;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob], { aiMode: 'always' });
  });

  it('a send is answered: start, ordered chunks, end with the concatenation, then one message', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const answer = recordAnswer(a);
    const messages = collect(a, 'message', (m) => m.roomId === room.id && m.role === 'assistant');
    const sent = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'hello 세계', clientId: clientId() }), 'send');
    const events = await answer.done();
    const [start, ...rest] = events;
    const end = rest.at(-1);
    assert.equal(start.start, true);
    assert.equal(start.replyTo, sent.message.id);
    assert.equal(start.model, 'demo');
    assert.equal(start.token, undefined, 'start carries no token');
    const chunks = chunksOf(events);
    assert.ok(chunks.length > 3, `several chunks: ${show(events)}`);
    chunks.forEach((c, i) => {
      assert.equal(c.index, i, 'chunk indexes are 0, 1, 2, …');
      assert.ok(typeof c.token === 'string' && c.token.length > 0, 'tokens are non-empty strings');
    });
    assert.equal(end.end, true);
    assert.equal(end.start, undefined, 'end carries no start');
    assert.equal(end.token, undefined, 'end carries no token');
    assert.equal(end.status, 'complete');
    assert.equal(end.content, chunks.map((c) => c.token).join(''));
    assert.match(end.content, /demo/i, 'the demo model says it is a demo');
    assert.ok(end.usage && typeof end.usage.outputTokens === 'number', show(end));
    const [message] = await messages.until(1, ANSWER_MS);
    assert.equal(message.id, start.messageId);
    assert.equal(message.content, end.content);
    assert.equal(message.status, 'complete');
    assert.equal(message.userId, null);
    await sleep(200);
    assert.equal(messages.items.length, 1, 'the answer is emitted as a message exactly once, after its end');
    const stored = (await history(ctx.base, alice.accessToken, room.id)).find((m) => m.id === start.messageId);
    assert.equal(stored.content, end.content);
    a.close();
  });

  it('a retried send (same clientId) gets no answer of its own: the next answer replies to the next question', async () => {
    // Answers start while their question commits (decision 033); a retry is found a duplicate
    // and its answer must never appear. The room answers in order, so a second answer to the
    // first question would come before the answer to the next one.
    const a = await joined(ctx.base, alice, room.id);
    const starts = collect(a, 'stream', (e) => e.start === true);
    const id = clientId();
    const first = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'asked once', clientId: id }), 'send');
    const retry = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'asked once', clientId: id }), 'retry');
    assert.equal(retry.duplicate, true);
    assert.equal(retry.message.id, first.message.id);
    const next = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'asked next', clientId: clientId() }), 'send');
    const [one, two] = await starts.until(2, ANSWER_MS * 2);
    assert.deepEqual([one.replyTo, two.replyTo], [first.message.id, next.message.id], show(starts.items));
    await waitFor(a, 'stream', (e) => e.messageId === two.messageId && e.end === true, ANSWER_MS);
    const stored = await history(ctx.base, alice.accessToken, room.id);
    const answersToFirst = stored.filter((m) => m.role === 'assistant' && m.replyTo === first.message.id);
    assert.equal(answersToFirst.length, 1, show(answersToFirst));
    a.close();
  });

  it('stop ends the answer `stopped` with the text so far; any member may stop', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const b = await joined(ctx.base, bob, room.id);
    const answer = recordAnswer(b);
    const started = waitFor(b, 'stream', (e) => e.start === true, ANSWER_MS);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'tell me a long story', clientId: clientId() }), 'send');
    const start = await started;
    await waitFor(b, 'stream', (e) => e.messageId === start.messageId && e.index === 2, ANSWER_MS);
    assertOk(await emitAck(b, 'stop', { roomId: room.id, messageId: start.messageId }), 'stop');
    const events = await answer.done();
    const end = events.at(-1);
    assert.equal(end.status, 'stopped');
    assert.equal(end.content, chunksOf(events).map((c) => c.token).join(''));
    const again = await emitAck(b, 'stop', { roomId: room.id, messageId: start.messageId });
    assert.equal(again.ok, false);
    assert.equal(again.error.code, 'not_found');
    a.close();
    b.close();
  });

  it('regenerate streams a new answer to the same question', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const first = recordAnswer(a);
    const sent = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'regenerate me', clientId: clientId() }), 'send');
    const firstEvents = await first.done();
    const second = recordAnswer(a, (e) => e.messageId !== firstEvents[0].messageId);
    assertOk(await emitAck(a, 'regenerate', { roomId: room.id, messageId: firstEvents[0].messageId }), 'regenerate');
    const secondEvents = await second.done();
    assert.notEqual(secondEvents[0].messageId, firstEvents[0].messageId);
    assert.equal(secondEvents[0].replyTo, sent.message.id);
    assert.equal(secondEvents.at(-1).status, 'complete');
    const bad = await emitAck(a, 'regenerate', { roomId: room.id, messageId: sent.message.id });
    assert.equal(bad.ok, false, 'a user message is not an answer');
    a.close();
  });

  it('a late joiner gets the text so far and every later chunk: no gap, no duplicate', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const started = waitFor(a, 'stream', (e) => e.start === true, ANSWER_MS);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'late joiner test', clientId: clientId() }), 'send');
    const start = await started;
    await waitFor(a, 'stream', (e) => e.messageId === start.messageId && e.index === 3, ANSWER_MS);
    const b = await connect(ctx.base, bob.accessToken);
    const later = collect(b, 'stream', (e) => e.messageId === start.messageId);
    const ack = await join(b, room.id);
    const snapshot = ack.streaming.find((s) => s.messageId === start.messageId);
    assert.ok(snapshot, `join ack lists the streaming answer: ${show(ack.streaming)}`);
    assert.ok(snapshot.nextIndex >= 4 && snapshot.content.length > 0, show(snapshot));
    const end = await waitFor(b, 'stream', (e) => e.messageId === start.messageId && e.end === true, ANSWER_MS);
    const tail = later.items.filter((e) => e.token !== undefined && e.index >= snapshot.nextIndex).sort((x, y) => x.index - y.index);
    tail.forEach((c, i) => assert.equal(c.index, snapshot.nextIndex + i, 'no gap after the snapshot'));
    assert.equal(snapshot.content + tail.map((c) => c.token).join(''), end.content);
    a.close();
    b.close();
  });

  it('the answer completes and is stored when the asker disconnects', async () => {
    const b = await joined(ctx.base, bob, room.id);
    const answer = recordAnswer(b);
    const a = await joined(ctx.base, alice, room.id);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'then I leave', clientId: clientId() }), 'send');
    a.close();
    const events = await answer.done();
    assert.equal(events.at(-1).status, 'complete');
    const stored = (await history(ctx.base, bob.accessToken, room.id)).find((m) => m.id === events[0].messageId);
    assert.equal(stored.status, 'complete');
    assert.equal(stored.content, events.at(-1).content);
    b.close();
  });

  it('mention rooms answer only when called, and /api/models lists the demo model', async () => {
    const quiet = await roomWith(ctx.base, alice, [bob], { aiMode: 'mention' });
    const a = await joined(ctx.base, alice, quiet.id);
    const starts = collect(a, 'stream', (e) => e.start === true);
    assertOk(await emitAck(a, 'send', { roomId: quiet.id, content: 'just us humans', clientId: clientId() }), 'send');
    await sleep(500);
    assert.equal(starts.items.length, 0, 'no answer without a mention');
    const answer = recordAnswer(a);
    assertOk(await emitAck(a, 'send', { roomId: quiet.id, content: '@ai what do you think?', clientId: clientId() }), 'send');
    assert.equal((await answer.done()).at(-1).status, 'complete');
    const models = await request(ctx.base, 'GET', '/api/models');
    assert.equal(models.status, 200);
    assert.ok(models.body.models.some((m) => m.id === 'demo' && m.demo === true), show(models.body));
    a.close();
  });
}, { env: { CHATBOT_DEMO_PACE: '15ms' } });
