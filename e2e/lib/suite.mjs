// One `describe` per storage backend, each with its own server and fresh database, so every
// scenario runs on SQLite and on PostgreSQL (the wire contract must not depend on the store).

import { after, before, describe } from 'node:test';
import { startServer } from './server.mjs';
import { closeAll } from './socket.mjs';

/**
 * Both by default. E2E_BACKENDS=sqlite narrows it for a quick local loop; `make test` never sets
 * it, and an unreachable PostgreSQL fails the suite rather than skipping it.
 */
export const BACKENDS = (process.env.E2E_BACKENDS || 'sqlite,postgres').split(',').map((s) => s.trim());

/**
 * Declares `describe("<title> [<backend>]")` for each backend. `body(ctx)` declares the tests;
 * `ctx.base` (the server's http://127.0.0.1:port) is set once the before hook has run.
 * `env` adds settings for this suite's server (e.g. a low rate limit).
 */
export function eachBackend(title, body, { env = {} } = {}) {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, { timeout: 120_000 }, () => {
      const ctx = { backend, base: undefined, server: undefined };
      before(async () => {
        ctx.server = await startServer({ backend, env });
        ctx.base = ctx.server.base;
      });
      after(async () => {
        closeAll();
        // E2E_SERVER_LOG=1 prints what the server logged (warnings and errors) for each suite.
        if (process.env.E2E_SERVER_LOG && ctx.server) {
          process.stderr.write(`--- chatbot output, ${title} [${backend}] ---\n${ctx.server.output()}\n`);
        }
        await ctx.server?.stop();
      });
      body(ctx);
    });
  }
}
