// SPEC §3 handshake: the access token in auth.token, the Authorization header or the `token`
// query parameter opens /chat and the server greets with `connected`; a bad token is refused at
// connect, so the socket never reaches the namespace.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { algNoneToken, expiredToken, foreignSecretToken, tamperedToken } from '../lib/jwt.mjs';
import { users } from '../lib/scene.mjs';
import { connect, expectRefused, received, show, sleep } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

/** `connected` = {userId, socketId, serverTime, user: {id, name, email, role}, deviceCount}. */
function assertHello(socket, user, deviceCount) {
  const hello = socket.hello;
  const ctx = `connected ${show(hello)}`;
  assert.equal(hello.userId, user.id, `userId: ${ctx}`);
  assert.equal(hello.socketId, socket.id, `socketId should be this socket's id ${socket.id}: ${ctx}`);
  assert.deepEqual(hello.user, { id: user.id, name: user.name, email: user.email, role: user.role },
    `user: ${ctx}`);
  // serverTime: an ISO string or epoch milliseconds, either way close to now.
  const t = typeof hello.serverTime === 'number' ? hello.serverTime : Date.parse(hello.serverTime);
  assert.ok(Number.isFinite(t) && Math.abs(t - Date.now()) < 60_000, `serverTime should be now: ${ctx}`);
  if (deviceCount === undefined) {
    // Earlier sockets of this user may still be closing on the server: only the type is sure.
    assert.ok(Number.isInteger(hello.deviceCount) && hello.deviceCount >= 1, `deviceCount: ${ctx}`);
  } else {
    assert.equal(hello.deviceCount, deviceCount, `deviceCount: ${ctx}`);
  }
}

/** Refused with `connect_error` whose message starts with "unauthorized", never connected. */
async function assertRefused(base, token, opts, what) {
  const { err, socket } = await expectRefused(base, token, opts);
  // Known limitation of the server's Socket.IO library: connect_error carries only a message
  // string, so `err.data` ({code, message} in SPEC §3) is checked only when present.
  assert.match(err.message, /^unauthorized/, `${what}: connect_error message ${show(err.message)} ` +
    `(data ${show(err.data)})`);
  if (err.data !== undefined) assert.equal(err.data.code, 'unauthorized', `${what}: ${show(err.data)}`);
  await sleep(200); // a late CONNECT or `connected` would show up here
  assert.equal(socket.connected, false, `${what}: socket connected after connect_error`);
  const late = received(socket).filter((e) => e.event === 'connect' || e.event === 'connected');
  assert.deepEqual(late, [], `${what}: got ${show(late)} after connect_error`);
}

eachBackend('handshake', (ctx) => {
  let alice;
  let bob;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
  });

  it('auth.token over websocket: `connected` with user and deviceCount', async () => {
    const socket = await connect(ctx.base, alice.accessToken);
    assertHello(socket, alice, 1); // alice's first socket
    socket.close();
  });

  it('deviceCount counts the user\'s connected sockets', async () => {
    const first = await connect(ctx.base, bob.accessToken);
    assertHello(first, bob, 1);
    const second = await connect(ctx.base, bob.accessToken);
    assertHello(second, bob, 2);
    first.close();
    second.close();
  });

  it('Authorization: Bearer header over long-polling', async () => {
    const socket = await connect(ctx.base, null, {
      transports: ['polling'],
      extraHeaders: { Authorization: `Bearer ${alice.accessToken}` },
    });
    assertHello(socket, alice);
    socket.close();
  });

  it('Authorization: Bearer header over websocket', async () => {
    const socket = await connect(ctx.base, null, {
      extraHeaders: { Authorization: `Bearer ${alice.accessToken}` },
    });
    assertHello(socket, alice);
    socket.close();
  });

  it('token query parameter', async () => {
    const socket = await connect(ctx.base, null, { query: { token: alice.accessToken } });
    assertHello(socket, alice);
    socket.close();
  });

  it('auth.token over long-polling', async () => {
    const socket = await connect(ctx.base, alice.accessToken, { transports: ['polling'] });
    assertHello(socket, alice);
    socket.close();
  });

  it('refuses a connection without a token', async () => {
    await assertRefused(ctx.base, null, {}, 'no token');
  });

  it('refuses a garbage token', async () => {
    await assertRefused(ctx.base, 'garbage', {}, 'garbage');
    await assertRefused(ctx.base, null, { query: { token: 'garbage' } }, 'garbage in query');
  });

  it('refuses an expired token', async () => {
    await assertRefused(ctx.base, expiredToken(alice.accessToken), {}, 'expired');
  });

  it('refuses an alg:none token', async () => {
    await assertRefused(ctx.base, algNoneToken(alice.accessToken), {}, 'alg none');
  });

  it('refuses a tampered token and one signed with another secret', async () => {
    await assertRefused(ctx.base, tamperedToken(alice.accessToken, bob.id), {}, 'tampered');
    await assertRefused(ctx.base, foreignSecretToken(alice.accessToken), {}, 'foreign secret');
  });
});
