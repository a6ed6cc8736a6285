// The load generator (crates/loadgen) against the real server, at a tiny scale: the benchmark
// figures in docs/benchmarks.md come from it, so it must keep speaking the protocol correctly and
// count what it claims to count. `tcp-floor` needs no server; it runs once.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { binaryPath } from '../lib/server.mjs';
import { show } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const run = promisify(execFile);

function loadgenPath() {
  const bin = join(dirname(binaryPath()), 'chatbot-loadgen');
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: run \`cargo build --bin chatbot-loadgen\` (the Makefile's e2e target does)`);
  }
  return bin;
}

/** Runs one scenario; returns its JSON line. */
async function loadgen(...args) {
  const { stdout } = await run(loadgenPath(), args, { timeout: 90_000 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

function assertSummary(summary, what) {
  for (const key of ['p50', 'p95', 'p99', 'max']) {
    assert.equal(typeof summary?.[key], 'number', `${what}.${key}: ${show(summary)}`);
  }
  assert.ok(summary.p50 <= summary.p99 && summary.p99 <= summary.max, `${what} ordered: ${show(summary)}`);
}

eachBackend('load generator', (ctx) => {
  it('sends: every acked send counted, none failed', async () => {
    const result = await loadgen('--base', ctx.base, 'sends', '--senders', '4', '--duration', '1s');
    assert.equal(result.scenario, 'sends');
    assert.equal(result.errors, 0, show(result));
    assert.ok(result.acked > 0, show(result));
    assertSummary(result.ackLatencyMs, 'ackLatencyMs');
  });

  it('fanout: every message reaches every member socket, in the same gap-free seq order', async () => {
    const result = await loadgen(
      '--base', ctx.base, 'fanout', '--members', '12', '--users', '3', '--messages', '5', '--interval', '5ms', '--readers', '2',
    );
    assert.equal(result.expected, 60);
    assert.equal(result.delivered, 60, show(result));
    assert.ok(result.frameBytes > 0, show(result));
    assert.equal(result.readers, 2);
    assert.deepEqual(result.order, { socketsOutOfOrder: 0, duplicates: 0, seqDisagreements: 0 });
    assertSummary(result.latencyMs, 'latencyMs');
    assertSummary(result.afterFirstReceiptMs, 'afterFirstReceiptMs');
    assert.equal(result.slowestMessages.length, 5);
  });

  it('requests: authenticated requests timed per path, failed ones counted, CPU per request read', async () => {
    const result = await loadgen(
      '--base', ctx.base, 'requests', '--requests', '20', '--path', '/api/auth/me', '--path', '/api/rooms/not-a-room',
    );
    assert.equal(result.scenario, 'requests');
    const [me, missing] = result.paths;
    assert.equal(me.path, '/api/auth/me');
    assert.equal(me.errors, 0, show(result));
    assert.equal(me.requests, 20);
    assert.ok(me.requestsPerSecond > 0, show(result));
    assertSummary(me.latencyMs, 'latencyMs');
    assert.equal(typeof me.serverCpuMicrosPerRequest, 'number', show(result));
    assert.ok(missing.errors > 0, `a path the server refuses is counted: ${show(result)}`);
    assert.equal(result.errors, missing.errors);
  });

  it('connect: every socket is held, and the server RSS per socket is read from its /metrics', async () => {
    const result = await loadgen('--base', ctx.base, 'connect', '--sockets', '30', '--users', '3', '--concurrency', '8');
    assert.equal(result.scenario, 'connect');
    assert.equal(result.connected, 30, show(result));
    assert.equal(result.failures, 0, show(result));
    assert.ok(result.connectsPerSecond > 0, show(result));
    assert.ok(result.serverRssBeforeBytes > 0 && result.serverRssAfterBytes > 0, show(result));
    assert.equal(typeof result.rssPerSocketBytes, 'number', show(result));
  });

  it('connect: sockets the server refuses are counted as failures, not hidden', async () => {
    // Three users and at most 100 sockets each (this suite's server): of 400 asked for, 300 are
    // held and 100 refused at the handshake.
    const result = await loadgen('--base', ctx.base, 'connect', '--sockets', '400', '--users', '3', '--concurrency', '16');
    assert.equal(result.connected, 300, show(result));
    assert.equal(result.failures, 100, show(result));
    assert.match(result.firstFailures[0], /rate_limited|at most/, show(result));
  });
}, { env: { CHATBOT_SOCKETS_PER_USER: '100' } });

// `chat` and `soak` answer with the load generator's own mock model: this suite's server has it as
// its OpenAI-compatible provider, on a port below the ephemeral range.
const MOCK_PORT = 20_000 + Math.floor(Math.random() * 12_000);

eachBackend('load generator with the mock model', (ctx) => {
  it('chat: every token of every answer arrives; the server\'s added latency is measured beside the model\'s own', async () => {
    const result = await loadgen(
      '--base', ctx.base, 'chat', '--sockets', '6', '--users', '2', '--questions', '2',
      '--upstream', `127.0.0.1:${MOCK_PORT}`, '--tokens', '10', '--first-token', '20ms', '--token-interval', '5ms',
      '--spread', '30ms',
    );
    assert.equal(result.scenario, 'chat');
    assert.equal(result.spreadMs, 30, show(result));
    assert.deepEqual(
      { errors: result.errors, answers: result.answers, notEnded: result.answersNotEnded, failed: result.answersFailed,
        neverAsked: result.questionsNeverAskedUpstream, expected: result.tokensExpected, lost: result.tokensLost },
      { errors: 0, answers: 12, notEnded: 0, failed: 0, neverAsked: 0, expected: 120, lost: 0 },
      show(result),
    );
    for (const key of ['addedFirstTokenMs', 'chunkDelayMs', 'sendToUpstreamMs', 'upstreamFirstTokenMs']) assertSummary(result[key], key);
    // Each socket's first question apart from its later ones (6 sockets, 2 questions each).
    for (const part of ['firstQuestions', 'laterQuestions']) {
      for (const key of ['addedFirstTokenMs', 'sendToUpstreamMs']) assertSummary(result[part][key], `${part}.${key}`);
    }
    assert.ok(result.upstreamFirstTokenMs.p50 >= 20, `the model's own first token waits 20 ms: ${show(result)}`);
    assert.ok(result.serverRssMbPeak > 0 && result.serverCpuSeconds >= 0, show(result));
  });

  it('chat: the mock model in a process of its own, its notes read back onto the same clock', async () => {
    const shape = ['--upstream', `127.0.0.1:${MOCK_PORT}`, '--tokens', '10', '--first-token', '20ms', '--token-interval', '5ms'];
    const mock = spawn(loadgenPath(), ['upstream', ...shape], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise((resolve, reject) => {
        let said = '';
        mock.stderr.on('data', (chunk) => {
          said += chunk;
          if (said.includes('listening')) resolve();
        });
        mock.on('exit', (code) => reject(new Error(`the mock model exited (${code}): ${said}`)));
      });
      const result = await loadgen(
        '--base', ctx.base, 'chat', '--sockets', '3', '--users', '1', '--questions', '2', ...shape, '--external-upstream',
      );
      assert.deepEqual(
        { errors: result.errors, answers: result.answers, failed: result.answersFailed,
          neverAsked: result.questionsNeverAskedUpstream, lost: result.tokensLost },
        { errors: 0, answers: 6, failed: 0, neverAsked: 0, lost: 0 },
        show(result),
      );
      // Times noted by the other process, against this one's sends and reads: a mapping off by
      // any constant would give zeros (clamped) or seconds here.
      assert.ok(result.upstreamFirstTokenMs.p50 >= 20 && result.upstreamFirstTokenMs.max < 1000, show(result));
      for (const key of ['sendToUpstreamMs', 'chunkDelayMs', 'addedFirstTokenMs']) {
        assert.ok(result[key].p50 > 0 && result[key].max < 1000, `${key}: ${show(result)}`);
      }
    } finally {
      mock.kill();
    }
  });

  it('soak: mixed load in windows, with drift and memory growth reported', async () => {
    const result = await loadgen(
      '--base', ctx.base, 'soak', '--duration', '3s', '--window', '1s', '--chatters', '3', '--senders', '4',
      '--send-interval', '50ms', '--users', '2', '--upstream', `127.0.0.1:${MOCK_PORT}`, '--tokens', '5',
      '--first-token', '10ms', '--token-interval', '5ms', '--chat-pause', '50ms',
    );
    assert.equal(result.scenario, 'soak');
    assert.deepEqual(
      { errors: result.errors, sendErrors: result.sendErrors, lost: result.tokensLost, failed: result.answersFailed },
      { errors: 0, sendErrors: 0, lost: 0, failed: 0 },
      show(result),
    );
    assert.equal(result.windows.length, 3, show(result));
    assert.ok(result.windows.every((w) => w.sends > 0 && w.serverRssMb > 0), show(result.windows));
    assert.equal(result.windows.reduce((n, w) => n + w.sends, 0), result.sends);
    assert.ok(result.answers > 0, show(result));
    assert.equal(typeof result.memoryGrowthPercent, 'number', show(result));
  });
}, {
  env: {
    OPENAI_BASE_URL: `http://127.0.0.1:${MOCK_PORT}/v1`,
    OPENAI_MODEL: 'loadgen-mock',
    CHATBOT_LLM_PER_USER_CONCURRENCY: '100',
    CHATBOT_LLM_QUEUE_PER_USER: '100',
    CHATBOT_EVENTS_PER_SECOND: '1000',
    CHATBOT_SEND_RATE: '100000',
  },
});

it('tcp-floor: bare loopback TCP delivers every frame to every socket', async () => {
  const result = await loadgen('tcp-floor', '--sockets', '30', '--messages', '4', '--interval', '2ms', '--bytes', '100', '--readers', '2');
  assert.equal(result.scenario, 'tcp-floor');
  assert.equal(result.delivered, 120, show(result));
  assertSummary(result.latencyMs, 'latencyMs');
});
