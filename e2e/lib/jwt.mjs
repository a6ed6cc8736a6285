// Forged access tokens for the handshake refusals (SPEC §3: missing, expired, tampered or
// wrong-algorithm tokens are refused). Built from a real token's claims, so the only thing wrong
// with each is the one property under test.

import { createHmac } from 'node:crypto';
import { JWT_SECRET } from './server.mjs';

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
  .toString('base64url');

/** The claims of a real access token: {sub, sid, iat, exp, iss}. */
export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** Signs `claims` with HS256 (the server's algorithm) and `secret` (the server's by default). */
export function signHs256(claims, secret = JWT_SECRET) {
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/**
 * Correctly signed but expired an hour ago: well past any clock-skew leeway the server allows
 * (jsonwebtoken's default is 60 s).
 */
export function expiredToken(realToken) {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ ...claimsOf(realToken), iat: now - 7200, exp: now - 3600, iss: 'chatbot-socket' });
}

/** The real claims with `alg: none` and no signature (the classic JWT bypass). */
export function algNoneToken(realToken) {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claimsOf(realToken))}.`;
}

/** A valid token whose payload was changed afterwards (another `sub`), signature kept. */
export function tamperedToken(realToken, otherUserId) {
  const [header, , signature] = realToken.split('.');
  return `${header}.${b64url({ ...claimsOf(realToken), sub: otherUserId })}.${signature}`;
}

/** Fresh claims, signed with a secret the server does not know. */
export function foreignSecretToken(realToken) {
  return signHs256(claimsOf(realToken), 'not-the-server-secret-not-the-server-secret');
}
