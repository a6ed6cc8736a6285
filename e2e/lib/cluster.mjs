// Several instances of the real server on one PostgreSQL database and a private Redis, as an
// operator runs them behind a load balancer (docs/scaling.md).
//
// The Redis is this test's own `redis-server` on a free port (no persistence), so stopping and
// starting it affects nothing else; the database is created here and dropped at the end.

import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { createDatabase, dropDatabase } from './postgres.mjs';
import { freePort, startServer } from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function listening(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A private redis-server. `stop()` kills it (its data is gone, as after a crash of a Redis
 * without persistence); `start()` brings it back on the same port.
 */
export async function startRedis() {
  const port = await freePort();
  let child = null;
  let output = '';
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.on('error', (e) => { output += `spawn failed: ${e.message}`; });
    child.stdout.setEncoding('utf8').on('data', (d) => { output = (output + d).slice(-8192); });
    const killOnExit = () => child?.kill('SIGKILL');
    process.on('exit', killOnExit);
    for (let i = 0; i < 100; i++) {
      if (await listening(port)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not listen on 127.0.0.1:${port} (is it installed? apt-get install -y redis-server)\n${output}`);
  };
  const stop = async () => {
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = null;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}

/**
 * `count` instances sharing one fresh PostgreSQL database and a private Redis. The first starts
 * alone (it runs the migrations), the rest together.
 */
export async function startCluster({ count = 3, env = {} } = {}) {
  const database = createDatabase();
  let redis;
  const instances = [];
  try {
    redis = await startRedis();
    const shared = { ...env, REDIS_URL: redis.url };
    const launch = () => startServer({ backend: 'postgres', env: shared, databaseUrl: database.url });
    instances.push(await launch());
    instances.push(...await Promise.all(Array.from({ length: count - 1 }, launch)));
  } catch (e) {
    await Promise.allSettled(instances.map((i) => i.stop()));
    await redis?.stop();
    dropDatabase(database.name);
    throw e;
  }
  return {
    instances,
    redis,
    database,
    async stop() {
      const results = await Promise.allSettled(instances.map((i) => i.stop()));
      await redis.stop();
      dropDatabase(database.name);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
