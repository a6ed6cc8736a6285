// Starts the real `chatbot` binary on a free port with a fresh database, like a user would run it.
//
// The binary is built by the Makefile (`cargo build --locked --bin chatbot`) before these tests;
// CHATBOT_BIN points elsewhere. The server gets a clean environment (PATH only) so settings from
// the developer's shell or a stray chatbot.toml cannot change what the tests see.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, dropDatabase } from './postgres.mjs';

/** The secret the server signs with; lib/jwt.mjs forges tokens with it. */
export const JWT_SECRET = 'e2e-secret-e2e-secret-e2e-secret-0123';

/**
 * Limits raised so they do not interfere with the scenarios (12 users registered from one IP,
 * 30 sends at once from one socket, 300 in a few seconds). A test about a limit overrides its own through `env`.
 */
const TEST_LIMITS = {
  CHATBOT_REGISTRATIONS_PER_IP: '100000',
  CHATBOT_SEND_RATE: '100000',
  CHATBOT_SEND_RATE_WINDOW: '10s',
  CHATBOT_EVENTS_PER_SECOND: '100000',
  // Shutdown waits for open connections at most this long; keeps stop() quick.
  CHATBOT_SHUTDOWN_GRACE: '3s',
};

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_KEEP = 64 * 1024;

export function binaryPath() {
  if (process.env.CHATBOT_BIN) return process.env.CHATBOT_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/chatbot-socket/target');
  return join(target, 'debug/chatbot');
}

/** Asks the OS for a free port. Another process could take it before the server binds; rare. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {{backend: 'sqlite'|'postgres', env?: Record<string,string>, databaseUrl?: string, port?: number}} options
 *   `databaseUrl`: a PostgreSQL database the caller created and drops (instances sharing it, lib/cluster.mjs);
 *   `port`: the port to listen on, when a setting must name it beforehand (a single sign-on callback)
 * @returns {Promise<{base: string, backend: string, output: () => string, cli: (...args: string[]) => Promise<string>, crash: () => Promise<void>,
 *   restart: () => Promise<void>, stop: () => Promise<void>}>}
 */
export async function startServer({ backend, env = {}, databaseUrl: sharedDatabase, port: chosenPort }) {
  const bin = binaryPath();
  if (!existsSync(bin)) {
    throw new Error(`server binary not found at ${bin}: run \`cargo build --bin chatbot\` ` +
      '(with the Makefile\'s CARGO_TARGET_DIR) or set CHATBOT_BIN');
  }
  if (backend !== 'sqlite' && backend !== 'postgres') throw new Error(`unknown backend ${backend}`);
  const dir = await mkdtemp(join(tmpdir(), 'chatbot-e2e-'));
  let database = null;
  let databaseUrl;
  if (sharedDatabase) {
    databaseUrl = sharedDatabase;
  } else if (backend === 'sqlite') {
    databaseUrl = `sqlite://${dir}/chatbot.db`;
  } else {
    try {
      database = createDatabase();
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    databaseUrl = database.url;
  }

  const port = chosenPort ?? await freePort();
  const base = `http://127.0.0.1:${port}`;
  const processEnv = {
    PATH: process.env.PATH,
    CHATBOT_DATA_DIR: dir,
    ...TEST_LIMITS,
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    LISTEN_ADDR: `127.0.0.1:${port}`,
    LOG_FORMAT: 'json',
    RUST_LOG: 'warn',
    ...env,
  };

  // Keep the tail of the server's output (over restarts) for error messages.
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    if (output.length > OUTPUT_KEEP) output = output.slice(-OUTPUT_KEEP);
  };
  const cleanup = async () => {
    await rm(dir, { recursive: true, force: true });
    if (database) dropDatabase(database.name);
  };

  /** Spawns the server on this port and database and waits until it is healthy. */
  const launch = async () => {
    const child = spawn(bin, ['serve'], {
      cwd: dir, // a chatbot.toml in the caller's directory must not apply
      stdio: ['ignore', 'pipe', 'pipe'],
      env: processEnv,
    });
    // A test process that dies (or is killed on timeout) must not leave servers behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    child.on('exit', () => process.off('exit', killOnExit));
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    const run = { child, exited: null, exit: null };
    run.exit = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        run.exited = { code, signal };
        resolve(run.exited);
      });
      child.on('error', (e) => {
        run.exited = { error: e };
        resolve(run.exited);
      });
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError = 'no attempt';
    for (;;) {
      if (run.exited) {
        throw new Error(`chatbot (${backend}) exited before it was ready: ${JSON.stringify(run.exited)}\n` +
          `--- server output ---\n${output}`);
      }
      try {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return run;
        lastError = `GET /healthz → ${res.status}`;
      } catch (e) {
        lastError = e.cause?.code || e.message;
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await run.exit;
        throw new Error(`chatbot (${backend}) not healthy within ${READY_TIMEOUT_MS}ms ` +
          `(last: ${lastError})\n--- server output ---\n${output}`);
      }
      await sleep(50);
    }
  };

  let current;
  try {
    current = await launch();
  } catch (e) {
    await cleanup();
    throw e;
  }

  let stopped = false;
  return {
    base,
    backend,
    output: () => output,
    /**
     * Runs a CLI command (`chatbot <args>`) on this server's database and settings, as an
     * operator would next to the running server; resolves with its output, rejects on failure.
     */
    cli(...args) {
      return new Promise((resolve, reject) => {
        execFile(bin, args, { cwd: dir, env: processEnv, timeout: 30_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`chatbot ${args.join(' ')} failed: ${err.message}\n${stderr}`));
          else resolve(stdout);
        });
      });
    },
    /** kill -9: the process gets no chance to finish anything. */
    async crash() {
      current.child.kill('SIGKILL');
      await current.exit;
    },
    /** Starts the server again on the same port and database (after `crash`). */
    async restart() {
      current = await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (current.exited) {
        // It died while the tests ran: say so, with its last words, rather than only timeouts.
        await cleanup();
        throw new Error(`chatbot (${backend}) exited during the tests: ${JSON.stringify(current.exited)}\n` +
          `--- server output ---\n${output}`);
      }
      current.child.kill('SIGTERM');
      let timer;
      const late = await Promise.race([
        current.exit,
        new Promise((resolve) => { timer = setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout'); }),
      ]);
      clearTimeout(timer); // a pending timer would keep the test process alive
      if (late === 'timeout') {
        current.child.kill('SIGKILL');
        await current.exit;
        await cleanup();
        throw new Error(`chatbot (${backend}) ignored SIGTERM for ${STOP_TIMEOUT_MS}ms\n` +
          `--- server output ---\n${output}`);
      }
      await cleanup();
    },
  };
}
