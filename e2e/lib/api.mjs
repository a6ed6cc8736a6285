// REST helpers (SPEC §4) used to set the scene: accounts, rooms, members, messages.
// Each throws with the status and body when the server does not answer as expected, so a broken
// setup step reads as such instead of as a confusing socket failure later.

import { randomBytes } from 'node:crypto';

/** Sends a JSON request; returns {status, body}. */
export async function request(base, method, path, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: res.status, body: parsed };
}

async function expectStatus(base, method, path, opts, statuses) {
  const res = await request(base, method, path, opts);
  if (!statuses.includes(res.status)) {
    throw new Error(`${method} ${path} → ${res.status}, expected ${statuses.join('/')}: ` +
      `${JSON.stringify(res.body)} (sent ${JSON.stringify(opts.body)})`);
  }
  return res.body;
}

/** A name unique within the run and usable in an email address. */
export function uniqueName(prefix = 'user') {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Registers `name`; returns {id, name, email, role, accessToken, refreshToken}. */
export async function register(base, name) {
  const body = await expectStatus(base, 'POST', '/api/auth/register', {
    body: { email: `${name}@example.com`, name, password: `${name} has a long password` },
  }, [201]);
  return {
    id: body.user.id,
    name: body.user.name,
    email: body.user.email,
    role: body.user.role,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
  };
}

/**
 * Creates a room owned by the token's user; returns the room. `aiMode: 'off'` by default so no
 * assistant answers add messages to what the tests count (the room default is `always`).
 */
export async function createRoom(base, token, name, extra = {}) {
  const body = await expectStatus(base, 'POST', '/api/rooms', {
    token,
    body: { name, aiMode: 'off', ...extra },
  }, [201]);
  return body.room;
}

/** Adds a member (the caller must be allowed to); returns the member. */
export async function addMember(base, token, roomId, userId) {
  const body = await expectStatus(base, 'POST', `/api/rooms/${roomId}/members`, {
    token,
    body: { userId },
  }, [200, 201]);
  return body.member;
}

/** Posts a message over REST; returns the stored message. */
export async function postMessage(base, token, roomId, content, clientId) {
  const body = await expectStatus(base, 'POST', `/api/rooms/${roomId}/messages`, {
    token,
    body: clientId === undefined ? { content } : { content, clientId },
  }, [200, 201]);
  return body.message;
}

/** The room's history (oldest first) as the REST API returns it. */
export async function history(base, token, roomId, query = '') {
  const body = await expectStatus(base, 'GET', `/api/rooms/${roomId}/messages${query}`, { token }, [200]);
  return body.messages;
}
