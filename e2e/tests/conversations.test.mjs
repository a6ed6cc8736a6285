// Changing what was said and taking it out (docs/conversations.md): edit and delete one's own
// messages over REST and Socket.IO, with `messageEdited`/`messageDeleted` to the room; branches
// (regenerate and edits add answers to one question; the room follows one); history around a
// message; export as Markdown and JSON.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { history, postMessage, request } from '../lib/api.mjs';
import { assertOk } from '../lib/contract.mjs';
import { clientId, joined, roomWith, users } from '../lib/scene.mjs';
import { collect, emitAck, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const ANSWER_MS = 20_000;

/** Resolves with the `end` of the next answer that starts on `socket` and matches `predicate`. */
function nextAnswerEnd(socket, predicate = () => true) {
  let id;
  let start;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer ended')), ANSWER_MS);
    socket.on('stream', (e) => {
      if (id === undefined && e.start && predicate(e)) {
        id = e.messageId;
        start = e;
      }
      if (e.messageId === id && e.end) {
        clearTimeout(timer);
        resolve({ start, end: e });
      }
    });
  });
}

eachBackend('conversations', (ctx) => {
  let alice;
  let bob;
  let carol;
  let room;
  before(async () => {
    [alice, bob, carol] = await users(ctx.base, 'alice', 'bob', 'carol');
    room = await roomWith(ctx.base, alice, [bob], { aiMode: 'off' });
  });

  it('the author edits a message over Socket.IO; the room gets messageEdited', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const b = await joined(ctx.base, bob, room.id);
    const sent = assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'helo', clientId: clientId() }), 'send');
    const seen = waitFor(b, 'messageEdited', (m) => m.id === sent.message.id);
    const ack = assertOk(await emitAck(a, 'edit', { roomId: room.id, messageId: sent.message.id, content: 'hello' }), 'edit');
    assert.equal(ack.message.content, 'hello');
    assert.ok(ack.message.editedAt, show(ack));
    const edited = await seen;
    assert.equal(edited.content, 'hello');
    assert.equal(edited.text, 'hello');
    assert.equal(edited.seq, sent.message.seq);
    const stored = (await history(ctx.base, bob.accessToken, room.id)).find((m) => m.id === sent.message.id);
    assert.equal(stored.content, 'hello');
    assert.ok(stored.editedAt);
  });

  it('only the author may edit or delete, only people\'s messages, with clear errors', async () => {
    const message = await postMessage(ctx.base, alice.accessToken, room.id, 'mine');
    const path = `/api/rooms/${room.id}/messages/${message.id}`;
    const byBob = await request(ctx.base, 'PATCH', path, { token: bob.accessToken, body: { content: 'yours?' } });
    assert.equal(byBob.status, 403, show(byBob.body));
    assert.equal(byBob.body.error.code, 'forbidden');
    assert.equal((await request(ctx.base, 'DELETE', path, { token: bob.accessToken })).status, 403);
    const outsider = await request(ctx.base, 'PATCH', path, { token: carol.accessToken, body: { content: 'x' } });
    assert.equal(outsider.status, 404, 'outsiders learn nothing');
    const empty = await request(ctx.base, 'PATCH', path, { token: alice.accessToken, body: { content: '   ' } });
    assert.equal(empty.status, 422, show(empty.body));
    const big = await request(ctx.base, 'PATCH', path, { token: alice.accessToken, body: { content: 'x'.repeat(70_000) } });
    assert.ok([413, 422].includes(big.status), `too large: ${big.status}`);
    const unknown = await request(ctx.base, 'PATCH', `/api/rooms/${room.id}/messages/00000000-0000-7000-8000-000000000000`,
      { token: alice.accessToken, body: { content: 'x' } });
    assert.equal(unknown.status, 404);
    const b = await joined(ctx.base, bob, room.id);
    const viaSocket = await emitAck(b, 'delete', { roomId: room.id, messageId: message.id });
    assert.equal(viaSocket.ok, false);
    assert.equal(viaSocket.error.code, 'forbidden');
    const malformed = await emitAck(b, 'edit', { roomId: room.id, messageId: message.id });
    assert.equal(malformed.error.code, 'bad_request', show(malformed));
    const ok = await request(ctx.base, 'PATCH', path, { token: alice.accessToken, body: { content: 'still mine' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.message.content, 'still mine');
  });

  it('deleting leaves a tombstone: the text is gone from history, the seq stays', async () => {
    const a = await joined(ctx.base, alice, room.id);
    const b = await joined(ctx.base, bob, room.id);
    const secret = await postMessage(ctx.base, alice.accessToken, room.id, 'my password is hunter2');
    const after = await postMessage(ctx.base, alice.accessToken, room.id, 'oops');
    const seen = waitFor(b, 'messageDeleted', (e) => e.messageId === secret.id);
    const res = await request(ctx.base, 'DELETE', `/api/rooms/${room.id}/messages/${secret.id}`, { token: alice.accessToken });
    assert.equal(res.status, 200, show(res.body));
    assert.equal(res.body.message.content, '');
    assert.ok(res.body.message.deletedAt);
    const event = await seen;
    assert.deepEqual([event.roomId, event.seq], [room.id, secret.seq]);
    assert.ok(event.deletedAt);
    const stored = await history(ctx.base, bob.accessToken, room.id, `?after=${secret.seq - 1}&limit=2`);
    assert.deepEqual(stored.map((m) => m.seq), [secret.seq, after.seq], 'no gap');
    assert.equal(stored[0].content, '');
    assert.ok(stored[0].deletedAt);
    const again = await emitAck(a, 'delete', { roomId: room.id, messageId: secret.id });
    assert.equal(again.error.code, 'conflict', 'a tombstone stays one');
    const edit = await emitAck(a, 'edit', { roomId: room.id, messageId: secret.id, content: 'back' });
    assert.equal(edit.error.code, 'conflict');
  });

  it('an edited question gets a new answer: a branch; the old answer keeps the text it answered', async () => {
    const aiRoom = await roomWith(ctx.base, alice, [bob], { aiMode: 'always' });
    const a = await joined(ctx.base, alice, aiRoom.id);
    const b = await joined(ctx.base, bob, aiRoom.id);
    const first = nextAnswerEnd(a);
    const sent = assertOk(await emitAck(a, 'send', { roomId: aiRoom.id, content: 'first wording', clientId: clientId() }), 'send');
    const one = await first;
    assert.equal(one.start.replyTo, sent.message.id);
    const second = nextAnswerEnd(a, (e) => e.messageId !== one.start.messageId);
    assertOk(await emitAck(a, 'edit', { roomId: aiRoom.id, messageId: sent.message.id, content: 'second wording' }), 'edit');
    const two = await second;
    assert.equal(two.start.replyTo, sent.message.id, 'the new answer replies to the same question');
    assert.match(two.end.content, /second wording/, 'the model was shown the new text');
    const third = nextAnswerEnd(a, (e) => ![one.start.messageId, two.start.messageId].includes(e.messageId));
    assertOk(await emitAck(a, 'regenerate', { roomId: aiRoom.id, messageId: two.start.messageId }), 'regenerate');
    const three = await third;

    const replies = await request(ctx.base, 'GET', `/api/rooms/${aiRoom.id}/messages/${sent.message.id}/replies`, { token: bob.accessToken });
    assert.equal(replies.status, 200);
    const branches = replies.body.messages;
    assert.deepEqual(branches.map((m) => m.id), [one.start.messageId, two.start.messageId, three.start.messageId]);
    assert.equal(branches[0].prompt, 'first wording', 'the first answer keeps the question it answered');
    assert.equal(branches[1].prompt, null);
    assert.match(branches[0].content, /first wording/);

    // Bob follows the first branch: the room hears it, the question records it.
    const heard = waitFor(a, 'branchSelected', (e) => e.questionId === sent.message.id);
    const chosen = assertOk(await emitAck(b, 'selectBranch', { roomId: aiRoom.id, messageId: one.start.messageId }), 'selectBranch');
    assert.equal(chosen.message.id, sent.message.id);
    assert.equal(chosen.message.activeReply, one.start.messageId);
    const event = await heard;
    assert.deepEqual([event.roomId, event.answerId], [aiRoom.id, one.start.messageId]);
    const question = (await history(ctx.base, alice.accessToken, aiRoom.id)).find((m) => m.id === sent.message.id);
    assert.equal(question.activeReply, one.start.messageId);
    const notAnswer = await emitAck(b, 'selectBranch', { roomId: aiRoom.id, messageId: sent.message.id });
    assert.equal(notAnswer.error.code, 'conflict', 'a question is not a branch');
    const wrongQuestion = await request(ctx.base, 'PUT', `/api/rooms/${aiRoom.id}/messages/${one.start.messageId}/branch`,
      { token: bob.accessToken, body: { answerId: two.start.messageId } });
    assert.equal(wrongQuestion.status, 404, 'the answer must reply to the question in the path');
    const viaRest = await request(ctx.base, 'PUT', `/api/rooms/${aiRoom.id}/messages/${sent.message.id}/branch`,
      { token: bob.accessToken, body: { answerId: three.start.messageId } });
    assert.equal(viaRest.status, 200, show(viaRest.body));
    assert.equal(viaRest.body.message.activeReply, three.start.messageId);
  });

  it('history around a message: it and its neighbours, for a search result', async () => {
    const quiet = await roomWith(ctx.base, alice, [], { aiMode: 'off' });
    for (let i = 1; i <= 30; i += 1) await postMessage(ctx.base, alice.accessToken, quiet.id, `m${i}`);
    const around = await history(ctx.base, alice.accessToken, quiet.id, '?around=15&limit=10');
    const seqs = around.map((m) => m.seq);
    assert.ok(seqs.includes(15), show(seqs));
    assert.equal(seqs.length, 10);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.ok(seqs[0] < 15 && seqs.at(-1) > 15, `both sides: ${seqs}`);
    const bad = await request(ctx.base, 'GET', `/api/rooms/${quiet.id}/messages?around=3&before=9`, { token: alice.accessToken });
    assert.equal(bad.status, 422);
  });

  it('export: the whole history as JSON and Markdown, members only, streamed as a download', async () => {
    const aiRoom = await roomWith(ctx.base, alice, [bob], { aiMode: 'mention', name: '회의 notes' });
    const a = await joined(ctx.base, alice, aiRoom.id);
    const answered = nextAnswerEnd(a);
    assertOk(await emitAck(a, 'send', { roomId: aiRoom.id, content: '@ai 안녕하세요 export', clientId: clientId() }), 'send');
    await answered;
    const gone = await postMessage(ctx.base, alice.accessToken, aiRoom.id, 'to be deleted');
    await request(ctx.base, 'DELETE', `/api/rooms/${aiRoom.id}/messages/${gone.id}`, { token: alice.accessToken });
    await sleep(50);

    const json = await fetch(`${ctx.base}/api/rooms/${aiRoom.id}/export?format=json`, { headers: { authorization: `Bearer ${bob.accessToken}` } });
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type'), /application\/json/);
    assert.match(json.headers.get('content-disposition'), /attachment; filename=".*\.json"; filename\*=UTF-8''%ED%9A%8C/);
    const doc = await json.json();
    assert.equal(doc.room.name, '회의 notes');
    assert.ok(doc.exportedAt);
    const [question, answer, deleted] = doc.messages;
    assert.deepEqual(doc.messages.map((m) => m.seq), [1, 2, 3]);
    assert.equal(question.content, '@ai 안녕하세요 export');
    assert.equal(question.author.name, alice.name);
    assert.equal(answer.role, 'assistant');
    assert.equal(answer.author, null);
    assert.equal(answer.model, 'demo');
    assert.equal(answer.replyTo, question.id);
    assert.ok(answer.usage && answer.usage.outputTokens > 0, show(answer));
    assert.deepEqual([deleted.deleted, deleted.content], [true, '']);

    const md = await fetch(`${ctx.base}/api/rooms/${aiRoom.id}/export?format=md`, { headers: { authorization: `Bearer ${alice.accessToken}` } });
    assert.equal(md.status, 200);
    assert.match(md.headers.get('content-type'), /text\/markdown/);
    const text = await md.text();
    assert.match(text, /^# 회의 notes\n/);
    assert.match(text, /안녕하세요 export/);
    assert.match(text, /\(demo\)/, 'answers name their model');
    assert.match(text, /output tokens/);
    assert.match(text, /_\(deleted\)_/);
    assert.doesNotMatch(text, /to be deleted/);

    const outsider = await request(ctx.base, 'GET', `/api/rooms/${aiRoom.id}/export?format=md`, { token: carol.accessToken });
    assert.equal(outsider.status, 404);
    const badFormat = await request(ctx.base, 'GET', `/api/rooms/${aiRoom.id}/export?format=pdf`, { token: alice.accessToken });
    assert.equal(badFormat.status, 422);
    assert.equal((await request(ctx.base, 'GET', `/api/rooms/${aiRoom.id}/export`)).status, 401);
  });

  it('edits and deletes are seen live by the author\'s other devices too', async () => {
    const phone = await joined(ctx.base, alice, room.id);
    const laptop = await joined(ctx.base, alice, room.id);
    const message = await postMessage(ctx.base, alice.accessToken, room.id, 'from the laptop');
    const events = collect(phone, 'messageEdited', (m) => m.id === message.id);
    assertOk(await emitAck(laptop, 'edit', { roomId: room.id, messageId: message.id, content: 'fixed' }), 'edit');
    const [edited] = await events.until(1, 5000);
    assert.equal(edited.content, 'fixed');
  });

  it('search: own rooms only, Korean and English, snippets with marked matches, pages', async () => {
    const searchRoom = await roomWith(ctx.base, alice, [bob], { aiMode: 'off' });
    const secret = await roomWith(ctx.base, carol, [], { aiMode: 'off' });
    await postMessage(ctx.base, alice.accessToken, searchRoom.id, '안녕하세요 세계, 반갑습니다');
    await postMessage(ctx.base, bob.accessToken, searchRoom.id, 'Our Kubernetes rollout is done');
    await postMessage(ctx.base, carol.accessToken, secret.id, 'kubernetes secrets of carol');
    for (let i = 0; i < 5; i += 1) await postMessage(ctx.base, alice.accessToken, searchRoom.id, `zebra note ${i}`);
    const search = (token, query) => request(ctx.base, 'GET', `/api/search?${new URLSearchParams(query)}`, { token });

    const korean = await search(alice.accessToken, { q: '안녕', roomId: searchRoom.id });
    assert.equal(korean.status, 200, show(korean.body));
    assert.equal(korean.body.results.length, 1, show(korean.body));
    const [hit] = korean.body.results;
    assert.equal(hit.roomId, searchRoom.id);
    assert.equal(hit.roomName, searchRoom.name);
    assert.equal(hit.userName, alice.name);
    assert.equal(hit.role, 'user');
    assert.ok(hit.seq > 0 && hit.messageId && hit.createdAt);
    assert.deepEqual(hit.snippet.filter((p) => p.match).map((p) => p.text), ['안녕']);
    assert.equal(hit.snippet.map((p) => p.text).join(''), '안녕하세요 세계, 반갑습니다');

    const english = await search(alice.accessToken, { q: 'KUBERNETES' });
    assert.deepEqual(english.body.results.map((r) => r.roomId), [searchRoom.id], 'never another user\'s room');
    assert.equal((await search(carol.accessToken, { q: 'kubernetes' })).body.results.length, 1);

    const first = await search(alice.accessToken, { q: 'zebra', limit: '3', roomId: searchRoom.id });
    assert.equal(first.body.results.length, 3);
    assert.ok(first.body.nextBefore, show(first.body));
    const second = await search(alice.accessToken, { q: 'zebra', limit: '3', roomId: searchRoom.id, before: first.body.nextBefore });
    assert.equal(second.body.results.length, 2);
    assert.equal(second.body.nextBefore, null);
    const seen = new Set([...first.body.results, ...second.body.results].map((r) => r.messageId));
    assert.equal(seen.size, 5, 'pages neither repeat nor skip');

    assert.equal((await search(alice.accessToken, { q: 'kubernetes', roomId: secret.id })).status, 404, 'not a room of hers');
    assert.equal((await search(alice.accessToken, { q: '  ?! ' })).status, 422);
    assert.equal((await search(alice.accessToken, { q: 'x'.repeat(201) })).status, 413);
    assert.equal((await search(alice.accessToken, { q: 'zebra', before: 'garbage' })).status, 422);
    assert.equal((await search(undefined, { q: 'zebra' })).status, 401);
  });

  it('share links: the owner shares a snapshot; signed-in users open it; revoked, it is gone', async () => {
    const shared = await roomWith(ctx.base, alice, [bob], { aiMode: 'off' });
    await postMessage(ctx.base, alice.accessToken, shared.id, 'before the link');
    const removed = await postMessage(ctx.base, alice.accessToken, shared.id, 'private afterthought');
    const path = `/api/rooms/${shared.id}/shares`;
    assert.equal((await request(ctx.base, 'POST', path, { token: bob.accessToken, body: {} })).status, 403, 'members do not share');
    assert.equal((await request(ctx.base, 'POST', path, { token: carol.accessToken, body: {} })).status, 404);
    assert.equal((await request(ctx.base, 'POST', path, { token: alice.accessToken, body: { expiresInHours: 0 } })).status, 422);
    const created = await request(ctx.base, 'POST', path, { token: alice.accessToken, body: { expiresInHours: 24 } });
    assert.equal(created.status, 201, show(created.body));
    const { share } = created.body;
    assert.equal(share.url, `/share/${share.token}`);
    assert.ok(share.token.length >= 40, 'a long random token');
    assert.equal(share.upToSeq, removed.seq);
    assert.ok(Date.parse(share.expiresAt) > Date.now() + 23 * 3600_000);
    await postMessage(ctx.base, alice.accessToken, shared.id, 'after the link');
    await request(ctx.base, 'DELETE', `/api/rooms/${shared.id}/messages/${removed.id}`, { token: alice.accessToken });

    const opened = await request(ctx.base, 'GET', `/api/shares/${share.token}`, { token: carol.accessToken });
    assert.equal(opened.status, 200, show(opened.body));
    assert.equal(opened.body.room.name, shared.name);
    assert.deepEqual(opened.body.messages.map((m) => m.content), ['before the link', ''], 'the snapshot, without deleted text');
    assert.equal(opened.body.hasMore, false);
    assert.equal(opened.body.share.roomId, undefined, 'viewers do not learn the room id');
    assert.equal((await request(ctx.base, 'GET', `/api/shares/${share.token}`)).status, 401, 'signed-in users only by default');
    assert.equal((await request(ctx.base, 'GET', `/api/shares/${share.token}x`, { token: carol.accessToken })).status, 404);

    const listed = await request(ctx.base, 'GET', path, { token: alice.accessToken });
    assert.deepEqual(listed.body.shares.map((s) => s.id), [share.id]);
    assert.equal((await request(ctx.base, 'GET', path, { token: bob.accessToken })).status, 403);
    assert.equal((await request(ctx.base, 'DELETE', `${path}/${share.id}`, { token: bob.accessToken })).status, 403);
    assert.equal((await request(ctx.base, 'DELETE', `${path}/${share.id}`, { token: alice.accessToken })).status, 204);
    assert.equal((await request(ctx.base, 'GET', `/api/shares/${share.token}`, { token: carol.accessToken })).status, 404, 'revoked');
    assert.equal((await request(ctx.base, 'DELETE', `${path}/${share.id}`, { token: alice.accessToken })).status, 404);
    const again = await request(ctx.base, 'GET', path, { token: alice.accessToken });
    assert.ok(again.body.shares[0].revokedAt);

    const audit = await request(ctx.base, 'GET', '/api/admin/audit?limit=50', { token: alice.accessToken });
    assert.equal(audit.status, 200, `alice registered first: admin (${audit.status})`);
    const actions = audit.body.entries.filter((e) => e.target === shared.id).map((e) => e.action);
    assert.deepEqual(actions.sort(), ['share.create', 'share.revoke']);
  });
});

eachBackend('share links open for anyone when configured', (ctx) => {
  it('CHATBOT_SHARE_PUBLIC=true: a link opens without signing in', async () => {
    const [owner] = await users(ctx.base, 'owner');
    const room = await roomWith(ctx.base, owner, [], { aiMode: 'off' });
    await postMessage(ctx.base, owner.accessToken, room.id, 'for everyone');
    const { share } = (await request(ctx.base, 'POST', `/api/rooms/${room.id}/shares`, { token: owner.accessToken, body: {} })).body;
    assert.equal(share.expiresAt, null, 'no expiry: until revoked');
    const opened = await request(ctx.base, 'GET', `/api/shares/${share.token}`);
    assert.equal(opened.status, 200, show(opened.body));
    assert.deepEqual(opened.body.messages.map((m) => m.content), ['for everyone']);
  });
}, { env: { CHATBOT_SHARE_PUBLIC: 'true' } });
