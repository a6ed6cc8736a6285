// Single sign-on with OpenID Connect (docs/sso.md) against a real provider run here
// (`oidc-provider`): the authorization code flow with PKCE, accounts made or linked by verified
// email, refusals named on the sign-in page, and password sign-in turned off.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { register, request } from '../lib/api.mjs';
import { signInThroughProvider, startProvider } from '../lib/oidc.mjs';
import { freePort, startServer } from '../lib/server.mjs';
import { BACKENDS } from '../lib/suite.mjs';

const ACCOUNTS = {
  'sso-ada': { email: 'ada@sso.example.com', email_verified: true, name: 'Ada Lovelace' },
  'sso-grace': { email: 'grace@example.com', email_verified: true, name: 'Grace' },
  'sso-mallory': { email: 'victim@example.com', email_verified: false, name: 'Mallory' },
};

/** A server with single sign-on against a fresh provider; `env` adds settings. */
function withSso(title, env, body) {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, { timeout: 120_000 }, () => {
      const ctx = {};
      before(async () => {
        const port = await freePort();
        ctx.base = `http://127.0.0.1:${port}`;
        ctx.provider = await startProvider({ redirectUri: `${ctx.base}/api/auth/oidc/callback`, accounts: ACCOUNTS });
        ctx.server = await startServer({
          backend,
          port,
          env: {
            OIDC_ISSUER: ctx.provider.issuer,
            OIDC_CLIENT_ID: ctx.provider.clientId,
            OIDC_CLIENT_SECRET: ctx.provider.clientSecret,
            OIDC_REDIRECT_URL: `${ctx.base}/api/auth/oidc/callback`,
            OIDC_DISPLAY_NAME: 'Acme ID',
            ...env,
          },
        });
      });
      after(async () => {
        if (process.env.E2E_SERVER_LOG && ctx.server) process.stderr.write(ctx.server.output());
        await ctx.server?.stop();
        await ctx.provider?.close();
      });
      body(ctx);
    });
  }
}

/** The tokens of a successful sign-in's final redirect. */
function tokensOf(location) {
  assert.equal(location.pathname, '/auth/sso', `signed in: ${location}`);
  const fragment = new URLSearchParams(location.hash.slice(1));
  return { accessToken: fragment.get('accessToken'), refreshToken: fragment.get('refreshToken'), expiresIn: Number(fragment.get('expiresIn')) };
}

withSso('single sign-on', {}, (ctx) => {
  it('the sign-in page learns both ways in', async () => {
    const res = await request(ctx.base, 'GET', '/api/auth/providers');
    assert.deepEqual(res.body, { password: true, sso: { name: 'Acme ID', startUrl: '/api/auth/oidc/start' } });
  });

  it('a new person signs in through the provider: an account is made from the verified email', async () => {
    const { location, visited } = await signInThroughProvider(ctx.base, 'sso-ada');
    assert.ok(visited.some((v) => v.includes('/interaction/')), `through the provider's pages: ${visited.join('\n')}`);
    const authorize = new URL(visited.find((v) => v.includes('/auth?')).split(' ')[1]);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256', 'PKCE');
    assert.ok(authorize.searchParams.get('nonce') && authorize.searchParams.get('state'));
    const tokens = tokensOf(location);
    assert.ok(tokens.expiresIn > 0 && tokens.refreshToken);
    const me = await request(ctx.base, 'GET', '/api/auth/me', { token: tokens.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, 'ada@sso.example.com');
    assert.equal(me.body.user.name, 'Ada Lovelace');
    const refreshed = await request(ctx.base, 'POST', '/api/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    assert.equal(refreshed.status, 200, 'a normal session: it refreshes');
    const password = await request(ctx.base, 'POST', '/api/auth/login', { body: { email: 'ada@sso.example.com', password: '!sso' } });
    assert.equal(password.status, 401, 'an account made by single sign-on has no password');
    const again = tokensOf((await signInThroughProvider(ctx.base, 'sso-ada')).location);
    const meAgain = await request(ctx.base, 'GET', '/api/auth/me', { token: again.accessToken });
    assert.equal(meAgain.body.user.id, me.body.user.id, 'the same account next time');
  });

  it('an existing account with the same verified email is the one signed in', async () => {
    const grace = await register(ctx.base, 'grace');
    const existing = await request(ctx.base, 'GET', '/api/auth/me', { token: grace.accessToken });
    // Registered as grace@example.com by the helper: the provider vouches for that address.
    assert.equal(existing.body.user.email, 'grace@example.com');
    const tokens = tokensOf((await signInThroughProvider(ctx.base, 'sso-grace')).location);
    const me = await request(ctx.base, 'GET', '/api/auth/me', { token: tokens.accessToken });
    assert.equal(me.body.user.id, grace.id);
    const audit = await request(ctx.base, 'GET', '/api/admin/audit?action=auth.sso_login', { token: tokens.accessToken });
    // Ada's account was made first on this server, so Grace is no admin: the log is refused.
    assert.equal(audit.status, 403);
  });

  it('an unverified email address signs nobody in (it could name someone else\'s account)', async () => {
    await register(ctx.base, 'victim');
    const { location } = await signInThroughProvider(ctx.base, 'sso-mallory');
    assert.equal(location.pathname, '/login');
    assert.equal(location.searchParams.get('ssoError'), 'unverified_email');
  });

  it('a callback without this browser\'s sign-in, or with another state, is refused', async () => {
    const start = await fetch(`${ctx.base}/api/auth/oidc/start`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    assert.match(start.headers.get('set-cookie'), /chatbot_sso=.+; Path=\/api\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax/);
    const state = new URL(start.headers.get('location')).searchParams.get('state');
    const noCookie = await fetch(`${ctx.base}/api/auth/oidc/callback?code=x&state=${state}`, { redirect: 'manual' });
    assert.equal(noCookie.headers.get('location'), '/login?ssoError=expired');
    const cookie = start.headers.get('set-cookie').split(';')[0];
    const wrongState = await fetch(`${ctx.base}/api/auth/oidc/callback?code=x&state=other`, { redirect: 'manual', headers: { cookie } });
    assert.equal(wrongState.headers.get('location'), '/login?ssoError=rejected');
    const forged = await fetch(`${ctx.base}/api/auth/oidc/callback?code=x&state=${state}`, { redirect: 'manual', headers: { cookie: `${cookie}x` } });
    assert.equal(forged.headers.get('location'), '/login?ssoError=expired', 'a tampered cookie is no sign-in');
    const refused = await fetch(`${ctx.base}/api/auth/oidc/callback?error=access_denied&state=${state}`, { redirect: 'manual', headers: { cookie } });
    assert.equal(refused.headers.get('location'), '/login?ssoError=refused');
  });
});

withSso('single sign-on only', { CHATBOT_PASSWORD_LOGIN: 'false' }, (ctx) => {
  it('password sign-in and sign-up are refused; single sign-on still works', async () => {
    const providers = await request(ctx.base, 'GET', '/api/auth/providers');
    assert.equal(providers.body.password, false);
    const signUp = await request(ctx.base, 'POST', '/api/auth/register', { body: { email: 'x@example.com', name: 'x', password: 'a long password 123' } });
    assert.equal(signUp.status, 403);
    assert.match(signUp.body.error.message, /single sign-on/);
    const signIn = await request(ctx.base, 'POST', '/api/auth/login', { body: { email: 'x@example.com', password: 'a long password 123' } });
    assert.equal(signIn.status, 403);
    const tokens = tokensOf((await signInThroughProvider(ctx.base, 'sso-ada')).location);
    assert.equal((await request(ctx.base, 'GET', '/api/auth/me', { token: tokens.accessToken })).status, 200);
  });
});
