// A fresh PostgreSQL database per server, created and dropped with psql.
//
// psql (not a Node driver) keeps the suite at one npm dependency. The admin connection is
// TEST_POSTGRES_URL when set, as in the Rust tests (crates/test-support), else
// postgres://postgres@127.0.0.1:5432/postgres (trust auth, what scripts/ensure-services.sh sets up).
// An unreachable server FAILS the suite: these tests never skip a backend.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function adminUrl() {
  return process.env.TEST_POSTGRES_URL || DEFAULT_ADMIN_URL;
}

function psql(sql) {
  try {
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', adminUrl(), '-c', sql], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
      timeout: 30_000,
    });
  } catch (e) {
    const why = e.code === 'ENOENT' ? 'psql is not installed (apt-get install -y postgresql-client)'
      : String(e.stderr || e.message).trim();
    throw new Error(
      `PostgreSQL is required for the e2e tests and this failed: ${sql}\n` +
      `  admin URL: ${adminUrl()} (set TEST_POSTGRES_URL to change it; \`make services\` starts a local one)\n` +
      `  psql said: ${why}`,
    );
  }
}

/** Creates `chatbot_e2e_<hex>` and returns {name, url} for the server's DATABASE_URL. */
export function createDatabase() {
  // Lower-case hex only, so the name needs no quoting and cannot inject SQL.
  const name = `chatbot_e2e_${randomBytes(6).toString('hex')}`;
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops the database even if a connection is left over (the server is stopped first anyway). */
export function dropDatabase(name) {
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * Makes `name` refuse new connections and ends the open ones (what its clients see while a
 * PostgreSQL server restarts), or lets it accept them again. Only for databases a test created.
 */
export function setDatabaseDown(name, down) {
  if (down) {
    psql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
  } else {
    psql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  }
}
