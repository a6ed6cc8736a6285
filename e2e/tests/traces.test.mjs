// Traces over OTLP/HTTP (docs/operations.md): with OTEL_EXPORTER_OTLP_ENDPOINT set, the server
// exports a span per HTTP request (carrying its request id), per Socket.IO event, per store
// operation and message batch, and per LLM answer (with its time to first token), the answer's span
// a child of the event that asked for it. A small OTLP receiver started here collects them; the
// server flushes what it buffered when it stops.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { request } from '../lib/api.mjs';
import { assertOk } from '../lib/contract.mjs';
import { clientId, joined, roomWith, users } from '../lib/scene.mjs';
import { closeAll, emitAck, show, waitFor } from '../lib/socket.mjs';
import { startServer } from '../lib/server.mjs';

/** An OTLP/HTTP receiver: records each POST's path, content type and body. */
async function receiver() {
  const posts = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
      const json = req.headers['content-type']?.includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, posts, close: () => new Promise((r) => server.close(r)) };
}

/** Drives the traffic every assertion below looks for; returns what identifies it. */
async function traffic(base) {
  const [alice] = await users(base, 'alice');
  const room = await roomWith(base, alice, [], { aiMode: 'always' });
  const res = await fetch(`${base}/api/rooms/${room.id}`, { headers: { authorization: `Bearer ${alice.accessToken}` } });
  assert.equal(res.status, 200);
  const requestId = res.headers.get('x-request-id');
  assert.ok(requestId, 'the response names its request id');
  const socket = await joined(base, alice, room.id);
  const end = waitFor(socket, 'stream', (e) => e.end === true, 20_000);
  const sent = assertOk(await emitAck(socket, 'send', { roomId: room.id, content: 'trace me', clientId: clientId() }), 'send');
  await end;
  socket.close();
  return { requestId, roomId: room.id, questionId: sent.message.id };
}

/** OTLP/JSON attributes as a plain object. */
function attributes(list = []) {
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
}

describe('traces over OTLP', { timeout: 90_000 }, () => {
  it('http/json: spans for requests, events, store and answers, linked into one trace per send', async () => {
    const collector = await receiver();
    const server = await startServer({
      backend: 'sqlite',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'chatbot-e2e',
        CHATBOT_DEMO_PACE: '1ms',
      },
    });
    let seen;
    try {
      seen = await traffic(server.base);
    } finally {
      closeAll();
      await server.stop(); // flushes the exporter
      await collector.close();
    }
    assert.ok(collector.posts.length > 0, 'the server exported something');
    const spans = [];
    for (const post of collector.posts) {
      assert.equal(post.path, '/v1/traces');
      assert.match(post.type, /application\/json/);
      const body = JSON.parse(post.body.toString('utf8'));
      for (const rs of body.resourceSpans) {
        const resource = attributes(rs.resource.attributes);
        assert.equal(resource['service.name'], 'chatbot-e2e');
        assert.ok(resource['service.version'], 'the version is on the resource');
        for (const ss of rs.scopeSpans) spans.push(...ss.spans.map((s) => ({ ...s, attrs: attributes(s.attributes) })));
      }
    }
    const names = [...new Set(spans.map((s) => s.name))];
    const one = (what, predicate) => {
      const found = spans.filter(predicate);
      assert.ok(found.length >= 1, `${what} among ${show(names)}`);
      return found[0];
    };

    const http = one('the GET span with its request id', (s) => s.attrs.request_id === seen.requestId);
    assert.equal(http.name, 'GET /api/rooms/{id}', 'named by route');
    assert.equal(Number(http.attrs.status), 200);

    const send = one('the send event span', (s) => s.name === 'socket.io' && s.attrs.event === 'send');
    const answer = one('the answer span', (s) => s.name === 'llm.answer' && s.attrs.room_id === seen.roomId);
    assert.equal(answer.traceId, send.traceId, 'the answer is in the trace of the send that asked');
    assert.equal(answer.parentSpanId, send.spanId, 'the answer is a child of the send');
    assert.equal(answer.attrs.provider, 'demo');
    assert.equal(answer.attrs.outcome, 'complete');
    assert.ok(Number(answer.attrs.ttft_ms) >= 0, `time to first token recorded: ${show(answer.attrs)}`);

    // The send itself may touch no store operation of its own now (its membership, the answer's
    // history and spending come from memory: decision 035; its write is batched), so the store's
    // spans are looked for in the trace of the REST request, which reads the room.
    const db = one('a store operation span inside a request', (s) => s.name === 'db' && s.traceId === http.traceId);
    assert.ok(db.attrs.operation, 'named by operation');
    one('a message batch span', (s) => s.name === 'store.append_batch');
  });

  it('http/protobuf (the default): the collector receives protobuf carrying the same spans', async () => {
    const collector = await receiver();
    const server = await startServer({
      backend: 'sqlite',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`, CHATBOT_DEMO_PACE: '1ms' },
    });
    try {
      await traffic(server.base);
      assert.equal((await request(server.base, 'GET', '/api/version')).status, 200);
    } finally {
      closeAll();
      await server.stop();
      await collector.close();
    }
    assert.ok(collector.posts.length > 0, 'the server exported something');
    const all = Buffer.concat(collector.posts.map((p) => p.body));
    for (const post of collector.posts) {
      assert.equal(post.path, '/v1/traces', 'a trailing slash on the endpoint is not doubled');
      assert.equal(post.type, 'application/x-protobuf');
    }
    // Protobuf keeps strings as UTF-8 bytes: the span names are there to be found.
    for (const name of ['socket.io', 'llm.answer', 'GET /api/version', 'chatbot-socket']) {
      assert.ok(all.includes(Buffer.from(name)), `${name} in the exported protobuf`);
    }
  });
});
