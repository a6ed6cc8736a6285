// Hardening, sessions end everywhere: a member removed while their `join` is in flight must not
// stay subscribed to the room. The join reads the room, the removal commits and sends the user's
// sockets out of the room, then the join subscribes the socket: without a second look the removed
// member kept receiving the room's messages.
//
// The same holds for the room list a socket subscribes to when it connects (`roomActivity`).
//
// Each round races a `join` against the owner's removal of that member, then posts a probe into
// the room and a marker into a control room the member has joined. Deliveries go out in commit
// order, so once the marker arrives the probe would have arrived too.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { request } from '../lib/api.mjs';
import { clientId, join, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck, show, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const ROUNDS = 60;

eachBackend('join racing a removal', (ctx) => {
  let owner;
  let member;
  before(async () => {
    [owner, member] = await users(ctx.base, 'owner', 'member');
  });

  it('a member removed while joining never stays subscribed to the room', async () => {
    const control = await roomWith(ctx.base, owner, [member], { aiMode: 'off' });
    const socket = await connect(ctx.base, member.accessToken);
    await join(socket, control.id);
    const leaked = [];
    socket.on('message', (m) => { if (m.content === 'probe') leaked.push(m.roomId); });
    let joinedFirst = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const room = await roomWith(ctx.base, owner, [member], { aiMode: 'off' });
      const [ack, removal] = await Promise.all([
        emitAck(socket, 'join', { roomId: room.id }),
        request(ctx.base, 'DELETE', `/api/rooms/${room.id}/members/${member.id}`, { token: owner.accessToken }),
      ]);
      assert.ok(removal.status === 200 || removal.status === 204, show(removal.body));
      if (ack.ok) joinedFirst += 1;
      const probe = await request(ctx.base, 'POST', `/api/rooms/${room.id}/messages`, {
        token: owner.accessToken, body: { content: 'probe', clientId: clientId() },
      });
      assert.equal(probe.status, 201, show(probe.body));
      const marker = `marker ${round}`;
      const seen = waitFor(socket, 'message', (m) => m.content === marker);
      await emitAck(socket, 'send', { roomId: control.id, content: marker, clientId: clientId() });
      await seen;
    }
    assert.deepEqual(leaked, [], `the removed member received probes from ${leaked.length} room(s) ` +
      `(${joinedFirst} of ${ROUNDS} joins were acknowledged)`);
    socket.close();
  });

  /** Posts a probe into `room`, then a marker into `control`, which the member's socket hears;
   *  deliveries go out in commit order, so by the marker the socket has heard of the probe if it
   *  ever will: whether it did. */
  async function probeHeard(socket, room, control, round) {
    let heard = false;
    socket.on('roomActivity', (a) => { if (a.roomId === room.id) heard = true; });
    const probe = await request(ctx.base, 'POST', `/api/rooms/${room.id}/messages`, {
      token: owner.accessToken, body: { content: 'probe', clientId: clientId() },
    });
    assert.equal(probe.status, 201, show(probe.body));
    const marker = waitFor(socket, 'roomActivity', (a) => a.roomId === control.id);
    const sent = await request(ctx.base, 'POST', `/api/rooms/${control.id}/messages`, {
      token: owner.accessToken, body: { content: `marker ${round}`, clientId: clientId() },
    });
    assert.equal(sent.status, 201, show(sent.body));
    await marker;
    return heard;
  }

  it('a member removed while connecting never keeps hearing of the room (roomActivity)', async () => {
    const control = await roomWith(ctx.base, owner, [member], { aiMode: 'off' });
    const leaked = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const room = await roomWith(ctx.base, owner, [member], { aiMode: 'off' });
      const [socket, removal] = await Promise.all([
        connect(ctx.base, member.accessToken),
        request(ctx.base, 'DELETE', `/api/rooms/${room.id}/members/${member.id}`, { token: owner.accessToken }),
      ]);
      assert.ok(removal.status === 200 || removal.status === 204, show(removal.body));
      if (await probeHeard(socket, room, control, round)) leaked.push(room.id);
      socket.close();
    }
    assert.deepEqual(leaked, [], `the removed member heard of ${leaked.length} room(s) it had left`);
  });

  // The handshake reads the room list before the socket is in its user's group, which is how
  // an added member's sockets are sent into the room: an addition between the two must still
  // reach the new socket.
  it('a member added while connecting hears of the room (roomActivity)', async () => {
    const control = await roomWith(ctx.base, owner, [member], { aiMode: 'off' });
    const missed = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const room = await roomWith(ctx.base, owner, [], { aiMode: 'off' });
      const [socket, added] = await Promise.all([
        connect(ctx.base, member.accessToken),
        request(ctx.base, 'POST', `/api/rooms/${room.id}/members`, {
          token: owner.accessToken, body: { userId: member.id },
        }),
      ]);
      assert.ok(added.status === 200 || added.status === 201, show(added.body));
      if (!(await probeHeard(socket, room, control, round))) missed.push(room.id);
      socket.close();
    }
    assert.deepEqual(missed, [], `the added member did not hear of ${missed.length} room(s) it joined`);
  });
});
