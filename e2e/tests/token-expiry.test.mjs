// Hardening, sessions end everywhere: a socket ends when the access token it was opened with
// expires (the server disconnects it; a client with a refresh token reconnects with a fresh
// one), so an expired session never keeps receiving. Access tokens live 3 s in this suite (and
// are accepted 5 s longer, the leeway every check allows for clocks that differ).

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { users } from '../lib/scene.mjs';
import { connect } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('token expiry', (ctx) => {
  it('a socket is disconnected by the server once its access token has expired', async () => {
    const [ada] = await users(ctx.base, 'expiring');
    const socket = await connect(ctx.base, ada.accessToken);
    const reason = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('still connected 12 s after the token stopped being accepted')), 20_000);
      socket.once('disconnect', (why) => {
        clearTimeout(timer);
        resolve(why);
      });
    });
    assert.equal(reason, 'io server disconnect');
    // A new connection with the expired token is refused, as at any handshake.
    const again = await connect(ctx.base, ada.accessToken).then(() => 'connected', (e) => e.message);
    assert.match(again, /unauthorized/);
  });
}, { env: { CHATBOT_ACCESS_TOKEN_TTL: '3s' } });
