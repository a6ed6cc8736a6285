// The load generator (crates/loadgen) against the real server, at a tiny scale: the benchmark
// figures in docs/benchmarks.md come from it, so it must keep speaking the protocol correctly and
// count what it claims to count. `tcp-floor` needs no server; it runs once.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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

it('tcp-floor: bare loopback TCP delivers every frame to every socket', async () => {
  const result = await loadgen('tcp-floor', '--sockets', '30', '--messages', '4', '--interval', '2ms', '--bytes', '100', '--readers', '2');
  assert.equal(result.scenario, 'tcp-floor');
  assert.equal(result.delivered, 120, show(result));
  assertSummary(result.latencyMs, 'latencyMs');
});
