// A real OpenID Connect provider for the single sign-on tests: the certified `oidc-provider`
// package, on a free port, with one confidential client and a few accounts, and a browserless
// walk through its sign-in and consent pages (its development interactions).

import Provider from 'oidc-provider';
import { freePort } from './server.mjs';

/**
 * Starts a provider. `accounts`: {id: {email, email_verified, name}}; `redirectUri`: the
 * server's callback. Returns {issuer, clientId, clientSecret, close}.
 */
export async function startProvider({ redirectUri, accounts }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'chatbot-socket';
  const clientSecret = 'a-client-secret-for-tests-only-0123456789';
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    pkce: { required: () => true },
    claims: { email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    // Tests only: the provider's own warnings about development settings are expected here.
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
  });
  provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider: ${err.stack}\n`));
  const server = provider.listen(port);
  await new Promise((resolve) => server.once('listening', resolve));
  return { issuer, clientId, clientSecret, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A tiny cookie jar for one browser (by host). */
class Jar {
  constructor() { this.cookies = new Map(); }
  store(url, res) {
    const host = new URL(url).host;
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const key = `${host} ${name}`;
      if (value === '' || /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(key);
      else this.cookies.set(key, { host, name, value });
    }
  }
  header(url) {
    const host = new URL(url).host;
    return [...this.cookies.values()].filter((c) => c.host === host).map((c) => `${c.name}=${c.value}`).join('; ');
  }
}

/**
 * Walks a browser through single sign-on: the server's start URL, the provider's sign-in page
 * (as `login`) and consent page, back to the server's callback. Returns the final redirect
 * (`/auth/sso#…` or `/login?ssoError=…`) and every URL visited.
 */
export async function signInThroughProvider(base, login) {
  const jar = new Jar();
  const visited = [];
  let url = `${base}/api/auth/oidc/start`;
  let method = 'GET';
  let body;
  for (let hop = 0; hop < 20; hop += 1) {
    visited.push(`${method} ${url}`);
    const headers = { cookie: jar.header(url) };
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    jar.store(url, res);
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location'), url);
      if (next.origin === base && !next.pathname.startsWith('/api/')) return { location: next, visited };
      url = next.href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${url} → ${res.status}: ${html.slice(0, 300)}`);
    // An interaction page: its form posts back to the provider.
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    if (!action) throw new Error(`no form at ${url}: ${html.slice(0, 300)}`);
    const prompt = html.match(/name="prompt" value="([^"]+)"/)?.[1];
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    method = 'POST';
    body = prompt === 'login'
      ? new URLSearchParams({ prompt, login, password: 'any' }).toString()
      : new URLSearchParams({ prompt: prompt ?? 'consent' }).toString();
  }
  throw new Error(`too many redirects: ${visited.join(' → ')}`);
}
