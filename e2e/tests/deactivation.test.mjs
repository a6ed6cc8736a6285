// Hardening, sessions end everywhere: deactivating an account ends its live connections on every
// device, not only its next request. Through the admin API the server ends them at once
// (`sessionRevoked` with reason `deactivated`, then a server disconnect); through the CLI (another
// process) the server finds out at its next session check and ends them the same way (reason
// `ended`). Access tokens live 8 s in this suite, so that check runs every 2 s.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { request } from '../lib/api.mjs';
import { users } from '../lib/scene.mjs';
import { connect, show, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

/** Signs `user` in again (a second device); returns its access token. */
async function signIn(base, user) {
  const res = await request(base, 'POST', '/api/auth/login', {
    body: { email: user.email, password: `${user.name} has a long password` },
  });
  assert.equal(res.status, 200, show(res.body));
  return res.body.accessToken;
}

/** Resolves with [sessionRevoked payload, disconnect reason] of `socket`. */
function ended(socket, timeoutMs) {
  return Promise.all([
    waitFor(socket, 'sessionRevoked', () => true, timeoutMs),
    new Promise((resolve) => socket.once('disconnect', resolve)),
  ]);
}

eachBackend('deactivation', (ctx) => {
  let admin;
  let bob;
  let carol;
  before(async () => {
    [admin, bob, carol] = await users(ctx.base, 'admin', 'bob', 'carol');
  });

  it('deactivation through the admin API ends the user\'s connections on every device at once', async () => {
    const laptop = await connect(ctx.base, bob.accessToken);
    const phone = await connect(ctx.base, await signIn(ctx.base, bob));
    const bystander = await connect(ctx.base, admin.accessToken);
    const endings = [ended(laptop, 5000), ended(phone, 5000)];
    const res = await request(ctx.base, 'PATCH', `/api/admin/users/${bob.id}`, {
      token: admin.accessToken, body: { isActive: false },
    });
    assert.equal(res.status, 200, show(res.body));
    for (const [revoked, reason] of await Promise.all(endings)) {
      assert.equal(revoked.reason, 'deactivated');
      assert.equal(reason, 'io server disconnect');
    }
    assert.equal(bystander.connected, true, 'other users stay connected');
    const again = await connect(ctx.base, bob.accessToken).then(() => 'connected', (e) => e.message);
    assert.match(again, /unauthorized/);
    bystander.close();
  });

  it('deactivation from the CLI ends the user\'s connections at the server\'s next session check', async () => {
    const token = await signIn(ctx.base, carol);
    const socket = await connect(ctx.base, token);
    const ending = ended(socket, 6000);
    const out = await ctx.server.cli('user', 'deactivate', '--email', carol.email);
    assert.match(out, /deactivated/);
    const [revoked, reason] = await ending;
    assert.equal(revoked.reason, 'ended');
    assert.equal(reason, 'io server disconnect');
    // From that check on, the session opens no socket either (the server keeps each session's
    // handshake reading while it runs alone, decision 038: the check drops them).
    const again = await connect(ctx.base, token).then(() => 'connected', (e) => e.message);
    assert.match(again, /unauthorized/);
    // The CLI's own audit log shows both deactivations, the API's (by the admin) and its own.
    const log = await ctx.server.cli('audit', '--action', 'user.deactivated');
    assert.match(log, new RegExp(`user\\.deactivated\\s+${admin.id}\\s+${bob.id}`), log);
    assert.match(log, new RegExp(`user\\.deactivated\\s+-\\s+${carol.id}`), log);
  });
}, { env: { CHATBOT_ACCESS_TOKEN_TTL: '8s' } });
