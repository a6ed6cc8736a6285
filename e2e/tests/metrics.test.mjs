// Prometheus metrics (SPEC §7; docs/operations.md): the names are a contract, values move with
// what the server does, `/metrics` can be closed with a token or moved to an address of its own,
// and every metric the shipped Grafana dashboard and alert rules query exists in a real scrape.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from '../lib/api.mjs';
import { assertAckError, assertOk } from '../lib/contract.mjs';
import { clientId, joined, roomWith, users } from '../lib/scene.mjs';
import { closeAll, emitAck, show, sleep, waitFor } from '../lib/socket.mjs';
import { startServer } from '../lib/server.mjs';
import { eachBackend } from '../lib/suite.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The SPEC §7 names, each of which must be in every scrape. */
const CONTRACT = [
  'chatbot_http_requests_total', 'chatbot_http_request_duration_seconds', 'chatbot_ws_connections',
  'chatbot_ws_events_total', 'chatbot_messages_total', 'chatbot_llm_requests_total',
  'chatbot_llm_time_to_first_token_seconds', 'chatbot_llm_stream_duration_seconds', 'chatbot_llm_tokens_total',
  'chatbot_llm_cost_microdollars_total', 'chatbot_llm_active_streams', 'chatbot_llm_queue_depth',
  'chatbot_db_query_duration_seconds', 'chatbot_redis_up',
];

/** Parses the text exposition into {families: Map<name, type>, samples: [{name, labels, value}]}. */
function parse(text) {
  const families = new Map();
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const typed = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
    if (typed) {
      families.set(typed[1], typed[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    const labels = {};
    for (const [, k, v] of (m[3] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    const value = Number(m[4]);
    assert.ok(!Number.isNaN(value), `not a number: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return { families, samples };
}

async function scrape(url, headers = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, ...(res.status === 200 ? parse(text) : {}) };
}

/** The one sample of `name` whose labels include `labels` (0 when absent). */
function value(scraped, name, labels = {}) {
  const found = scraped.samples.filter((s) => s.name === name &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${show(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

function sum(scraped, name, labels = {}) {
  return scraped.samples.filter((s) => s.name === name &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Every metric name a PromQL text mentions: ours and the process ones. */
function metricNames(text) {
  return new Set([...text.matchAll(/\b((?:chatbot|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]));
}

eachBackend('metrics', (ctx) => {
  let alice;
  let bob;
  let room;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob], { aiMode: 'always' });
  });

  it('every contract name is exposed, with process metrics, in the text format', async () => {
    const scraped = await scrape(`${ctx.base}/metrics`);
    assert.equal(scraped.status, 200);
    assert.match(scraped.type, /^text\/plain; version=0\.0\.4/);
    for (const name of CONTRACT) assert.ok(scraped.families.has(name), `${name} missing`);
    for (const name of ['process_resident_memory_bytes', 'process_open_fds', 'process_cpu_seconds_total', 'process_max_fds']) {
      assert.ok(value(scraped, name) > 0, `${name} > 0`);
    }
    assert.equal(scraped.families.get('chatbot_http_request_duration_seconds'), 'histogram');
    assert.equal(value(scraped, 'chatbot_redis_up'), 0, 'no Redis configured');
    assert.equal(value(scraped, 'chatbot_redis_configured'), 0);
  });

  it('counters follow requests, events, messages and answers', async () => {
    const before = await scrape(`${ctx.base}/metrics`);
    const a = await joined(ctx.base, alice, room.id);
    const during = await scrape(`${ctx.base}/metrics`);
    assert.equal(value(during, 'chatbot_ws_connections'), value(before, 'chatbot_ws_connections') + 1, 'one more socket');

    const end = waitFor(a, 'stream', (e) => e.end === true, 20_000);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'count me', clientId: clientId() }), 'send');
    await end;
    assertAckError(await emitAck(a, 'send', { roomId: room.id }), 'bad_request', 'send without content');
    assertAckError(await emitAck(a, 'join', { roomId: 'not-a-room' }), 'not_found', 'join a room that is not there');
    await emitAck(a, 'no-such-event', {}).catch(() => {});
    assert.equal((await request(ctx.base, 'GET', `/api/rooms/${room.id}`, { token: alice.accessToken })).status, 200);
    a.close();
    await sleep(300);
    const after = await scrape(`${ctx.base}/metrics`);

    const delta = (name, labels) => value(after, name, labels) - value(before, name, labels);
    assert.equal(value(after, 'chatbot_ws_connections'), value(before, 'chatbot_ws_connections'), 'closed socket uncounted');
    assert.equal(delta('chatbot_ws_events_total', { event: 'send', outcome: 'ok' }), 1);
    assert.equal(delta('chatbot_ws_events_total', { event: 'send', outcome: 'bad_request' }), 1);
    assert.equal(delta('chatbot_ws_events_total', { event: 'join', outcome: 'ok' }), 1);
    assert.equal(delta('chatbot_ws_events_total', { event: 'join', outcome: 'not_found' }), 1);
    assert.equal(delta('chatbot_ws_events_total', { event: 'unknown', outcome: 'bad_request' }), 1);
    assert.equal(delta('chatbot_messages_total', { role: 'user' }), 1);
    assert.equal(delta('chatbot_messages_total', { role: 'assistant' }), 1);
    const demo = { provider: 'demo', model: 'demo' };
    assert.equal(delta('chatbot_llm_requests_total', { ...demo, outcome: 'complete' }), 1);
    assert.ok(delta('chatbot_llm_tokens_total', { ...demo, kind: 'output' }) > 0, 'output tokens counted');
    assert.ok(delta('chatbot_llm_tokens_total', { ...demo, kind: 'input' }) > 0, 'input tokens counted');
    assert.equal(delta('chatbot_llm_time_to_first_token_seconds_count', demo), 1);
    assert.equal(delta('chatbot_llm_stream_duration_seconds_count', demo), 1);
    assert.equal(value(after, 'chatbot_llm_active_streams'), 0);
    assert.equal(value(after, 'chatbot_llm_queue_depth'), 0);
    assert.ok(delta('chatbot_db_query_duration_seconds_count', { operation: 'append_messages' }) >= 1, 'batch timed');
    assert.ok(delta('chatbot_db_query_duration_seconds_count', { operation: 'write_answers' }) >= 1, 'answer writes timed');
    // A server running alone reads an answer's history and spending from memory (decision 035):
    // the room was created by this server, so its history was kept from the start.
    assert.equal(delta('chatbot_recent_reads_total', { read: 'history', source: 'memory' }), 1, 'history from memory');
    assert.equal(delta('chatbot_recent_reads_total', { read: 'history', source: 'database' }), 0);
    assert.equal(delta('chatbot_db_query_duration_seconds_count', { operation: 'prompt_history' }), 0, 'no history read');
    assert.equal(sum(after, 'chatbot_recent_reads_total', { read: 'spending' }) -
      sum(before, 'chatbot_recent_reads_total', { read: 'spending' }), 1, 'one budget check');
    assert.ok(delta('chatbot_fanout_delay_seconds_count') >= 3, 'message, stream start, chunks and end delivered');
    const route = { method: 'GET', route: '/api/rooms/{id}', status: '200' };
    assert.equal(delta('chatbot_http_requests_total', route), 1, 'labelled by route template, not path');
    assert.ok(!after.samples.some((s) => s.labels.route?.includes(room.id)), 'no room id in any label');
    assert.equal(
      value(after, 'chatbot_http_request_duration_seconds_bucket', { method: 'GET', route: '/api/rooms/{id}', le: '+Inf' }),
      value(after, 'chatbot_http_request_duration_seconds_count', { method: 'GET', route: '/api/rooms/{id}' }),
      'the +Inf bucket is the count',
    );
  });

  it('every metric the Grafana dashboard and the alert rules query is in a real scrape', async () => {
    const dashboard = JSON.parse(readFileSync(join(repo, 'deploy/grafana/dashboards/chatbot.json'), 'utf8'));
    const exprs = [];
    const walk = (node) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (typeof node.expr === 'string') exprs.push(node.expr);
        Object.values(node).forEach(walk);
      }
    };
    walk(dashboard);
    assert.ok(exprs.length >= 10, `the dashboard has queries: ${exprs.length}`);
    const scraped = await scrape(`${ctx.base}/metrics`);
    const exposed = new Set(scraped.samples.map((s) => s.name));
    for (const expr of exprs) {
      const names = metricNames(expr);
      assert.ok(names.size > 0, `a dashboard query with no metric of ours: ${expr}`);
      for (const name of names) assert.ok(exposed.has(name), `dashboard query uses ${name}, not in /metrics: ${expr}`);
    }
    const alerts = readFileSync(join(repo, 'deploy/prometheus/alerts.yml'), 'utf8');
    const alertNames = metricNames(alerts);
    assert.ok(alertNames.size >= 5, `alert rules query metrics: ${[...alertNames]}`);
    for (const name of alertNames) assert.ok(exposed.has(name), `alerts.yml uses ${name}, not in /metrics`);
  });
}, { env: { CHATBOT_DEMO_PACE: '1ms' } });

describe('metrics access', { timeout: 60_000 }, () => {
  after(closeAll);

  it('with a token set, /metrics needs it as a bearer token', async () => {
    const token = 'scrape-token-0123456789';
    const server = await startServer({ backend: 'sqlite', env: { CHATBOT_METRICS_TOKEN: token } });
    try {
      const none = await scrape(`${server.base}/metrics`);
      assert.equal(none.status, 401);
      assert.equal(JSON.parse(none.text).error.code, 'unauthorized');
      assert.equal((await scrape(`${server.base}/metrics`, { authorization: 'Bearer scrape-token-0123456788' })).status, 401);
      assert.equal((await scrape(`${server.base}/metrics`, { authorization: token })).status, 401, 'not without "Bearer "');
      const ok = await scrape(`${server.base}/metrics`, { authorization: `Bearer ${token}` });
      assert.equal(ok.status, 200);
      assert.ok(ok.families.has('chatbot_ws_connections'));
    } finally {
      await server.stop();
    }
  });

  it('with a metrics address set, /metrics is served there and not on the main port', async () => {
    const port = await freePort();
    const server = await startServer({ backend: 'sqlite', env: { CHATBOT_METRICS_ADDR: `127.0.0.1:${port}` } });
    try {
      const main = await scrape(`${server.base}/metrics`);
      assert.equal(main.status, 404);
      assert.equal(JSON.parse(main.text).error.code, 'not_found');
      await request(server.base, 'GET', '/api/version');
      const separate = await scrape(`http://127.0.0.1:${port}/metrics`);
      assert.equal(separate.status, 200);
      assert.equal(value(separate, 'chatbot_http_requests_total', { method: 'GET', route: '/api/version', status: '200' }), 1,
        'the main port\'s requests are counted');
    } finally {
      await server.stop();
    }
  });

  it('with Redis configured, chatbot_redis_up follows it', async () => {
    const server = await startServer({
      backend: 'sqlite',
      env: { REDIS_URL: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379' },
    });
    try {
      let scraped;
      for (let i = 0; i < 50; i += 1) {
        scraped = await scrape(`${server.base}/metrics`);
        if (value(scraped, 'chatbot_redis_up') === 1) break;
        await sleep(200);
      }
      assert.equal(value(scraped, 'chatbot_redis_configured'), 1);
      assert.equal(value(scraped, 'chatbot_redis_up'), 1, 'the watcher saw Redis answer (make test starts it)');
    } finally {
      await server.stop();
    }
  });

  it('a bad metrics setting stops start-up with one line naming it', async () => {
    await assert.rejects(
      startServer({ backend: 'sqlite', env: { CHATBOT_METRICS_TOKEN: 'short' } }),
      /CHATBOT_METRICS_TOKEN.*at least 16 characters/,
    );
  });
});
