// SPEC §3 presence: user_status goes to sockets sharing a room with the user; online when the
// first socket connects, offline only when the LAST one is gone (several devices are normal).

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { joined, roomWith, users } from '../lib/scene.mjs';
import { connect, mark, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('presence', (ctx) => {
  let alice;
  let bob;
  let room;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alice', 'bob');
    room = await roomWith(ctx.base, alice, [bob]);
  });

  it('user_status online when bob connects, offline when his last socket disconnects', async () => {
    const a = await joined(ctx.base, alice, room.id);

    const online = waitFor(a, 'user_status', (e) => e.userId === bob.id && e.online === true);
    const b1 = await connect(ctx.base, bob.accessToken);
    const up = await online;
    assert.deepEqual(
      { userId: up.userId, online: up.online, status: up.status, userName: up.userName, deviceCount: up.deviceCount },
      { userId: bob.id, online: true, status: 'online', userName: bob.name, deviceCount: 1 },
      `user_status ${show(up)}`,
    );

    // A second device, then closing the first: bob is still online.
    const b2 = await connect(ctx.base, bob.accessToken);
    const sinceA = mark(a);
    b1.close();
    await sleep(500);
    const early = sinceA('user_status').filter((e) => e.userId === bob.id && e.online !== true);
    assert.deepEqual(early, [], 'bob reported offline while his second socket is connected');

    const offline = waitFor(a, 'user_status', (e) => e.userId === bob.id && e.online === false);
    b2.close();
    const down = await offline;
    assert.deepEqual(
      { userId: down.userId, online: down.online, status: down.status, userName: down.userName, deviceCount: down.deviceCount },
      { userId: bob.id, online: false, status: 'offline', userName: bob.name, deviceCount: 0 },
      `user_status ${show(down)}`,
    );
    a.close();
  });
});
