// Changes made over REST reach live sockets (additive events, docs/realtime.md): membership
// (`memberAdded`, `memberRemoved`), settings (`roomUpdated`), deletion (`roomDeleted`), and a
// device signed out from another one (`sessionRevoked`, then the server ends its connections).

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { addMember, request } from '../lib/api.mjs';
import { clientId, roomWith, users } from '../lib/scene.mjs';
import { connect, show, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

eachBackend('live changes', (ctx) => {
  let owner;
  let guest;
  before(async () => {
    [owner, guest] = await users(ctx.base, 'owner', 'guest');
  });

  it('adding and removing a member is pushed to the members and to that user', async () => {
    const room = await roomWith(ctx.base, owner);
    const o = await connect(ctx.base, owner.accessToken);
    const g = await connect(ctx.base, guest.accessToken);

    const ownerSeesAdd = waitFor(o, 'memberAdded', (e) => e.roomId === room.id);
    const guestSeesAdd = waitFor(g, 'memberAdded', (e) => e.roomId === room.id);
    await addMember(ctx.base, owner.accessToken, room.id, guest.id);
    assert.deepEqual(await ownerSeesAdd, { roomId: room.id, userId: guest.id });
    assert.deepEqual(await guestSeesAdd, { roomId: room.id, userId: guest.id }, 'the new member learns of the room');

    const ownerSeesRemoval = waitFor(o, 'memberRemoved', (e) => e.roomId === room.id);
    const guestSeesRemoval = waitFor(g, 'memberRemoved', (e) => e.roomId === room.id);
    const removed = await request(ctx.base, 'DELETE', `/api/rooms/${room.id}/members/${guest.id}`, {
      token: owner.accessToken,
    });
    assert.equal(removed.status, 204, show(removed.body));
    assert.deepEqual(await ownerSeesRemoval, { roomId: room.id, userId: guest.id });
    assert.deepEqual(await guestSeesRemoval, { roomId: room.id, userId: guest.id });
    o.close();
    g.close();
  });

  // Before, only members added later were told: a room's first members (and its creator's
  // other devices) did not see it until they reloaded, and heard nothing of its messages.
  it('a new room is pushed to each of its first members, who then hear of its messages', async () => {
    const o = await connect(ctx.base, owner.accessToken);
    const g = await connect(ctx.base, guest.accessToken);
    const ownerTold = waitFor(o, 'memberAdded', (e) => e.userId === owner.id);
    const guestTold = waitFor(g, 'memberAdded', (e) => e.userId === guest.id);
    const room = await roomWith(ctx.base, owner, [guest], { aiMode: 'off' });
    assert.deepEqual(await ownerTold, { roomId: room.id, userId: owner.id }, 'the creator\'s other devices');
    assert.deepEqual(await guestTold, { roomId: room.id, userId: guest.id });
    const guestHears = waitFor(g, 'roomActivity', (a) => a.roomId === room.id);
    const sent = await request(ctx.base, 'POST', `/api/rooms/${room.id}/messages`, {
      token: owner.accessToken, body: { content: 'first', clientId: clientId() },
    });
    assert.equal(sent.status, 201, show(sent.body));
    assert.equal((await guestHears).preview, 'first');
    o.close();
    g.close();
  });

  it('settings changes reach every member as roomUpdated; deletion as roomDeleted', async () => {
    const room = await roomWith(ctx.base, owner, [guest]);
    const g = await connect(ctx.base, guest.accessToken);

    const updated = waitFor(g, 'roomUpdated', (e) => e.roomId === room.id);
    const patch = await request(ctx.base, 'PATCH', `/api/rooms/${room.id}`, {
      token: owner.accessToken,
      body: { name: 'Renamed live', systemPrompt: 'Be brief.', aiMode: 'mention' },
    });
    assert.equal(patch.status, 200, show(patch.body));
    const event = await updated;
    assert.equal(event.name, 'Renamed live', show(event));
    assert.equal(event.systemPrompt, 'Be brief.', show(event));
    assert.equal(event.aiMode, 'mention', show(event));

    const deleted = waitFor(g, 'roomDeleted', (e) => e.roomId === room.id);
    const gone = await request(ctx.base, 'DELETE', `/api/rooms/${room.id}`, { token: owner.accessToken });
    assert.equal(gone.status, 200, show(gone.body));
    assert.deepEqual(gone.body, { ok: true, id: room.id });
    assert.deepEqual(await deleted, { roomId: room.id });
    g.close();
  });

  /** A second device of the guest (its own session, i.e. refresh family) and its socket. */
  async function secondDevice() {
    const phone = await request(ctx.base, 'POST', '/api/auth/login', {
      body: { email: guest.email, password: `${guest.name} has a long password` },
    });
    assert.equal(phone.status, 200, show(phone.body));
    return { phone, socket: await connect(ctx.base, phone.body.accessToken) };
  }

  it('signing a device out from another ends that device\'s live connections', async () => {
    const { phone: login, socket: phone } = await secondDevice();
    const laptop = await connect(ctx.base, guest.accessToken);

    const sessions = await request(ctx.base, 'GET', '/api/auth/sessions', { token: guest.accessToken });
    assert.equal(sessions.status, 200, show(sessions.body));
    const list = sessions.body.sessions ?? sessions.body;
    const other = list.find((s) => s.current === false);
    assert.ok(other, `the phone's session is listed: ${show(list)}`);

    const revoked = waitFor(phone, 'sessionRevoked');
    const closed = new Promise((resolve) => phone.once('disconnect', resolve));
    const res = await request(ctx.base, 'DELETE', `/api/auth/sessions/${other.id}`, { token: guest.accessToken });
    assert.equal(res.status, 204, show(res.body));
    assert.equal((await revoked).sessionId, other.id);
    assert.equal(await closed, 'io server disconnect');

    // The device that signed the other out keeps its connection; the one signed out cannot open
    // another with the access token it still holds.
    assert.equal(laptop.connected, true);
    const again = await connect(ctx.base, login.body.accessToken).then(() => 'connected', (e) => e.message);
    assert.match(again, /unauthorized/);
    laptop.close();
  });

  it('signing out (logout with the refresh token) ends that device\'s live connections', async () => {
    const { phone: login, socket: device } = await secondDevice();
    const other = await connect(ctx.base, guest.accessToken);
    const revoked = waitFor(device, 'sessionRevoked');
    const closed = new Promise((resolve) => device.once('disconnect', resolve));
    const out = await request(ctx.base, 'POST', '/api/auth/logout', { body: { refreshToken: login.body.refreshToken } });
    assert.equal(out.status, 204, show(out.body));
    assert.equal((await revoked).reason, 'signed_out');
    assert.equal(await closed, 'io server disconnect');
    assert.equal(other.connected, true, 'the user\'s other devices stay connected');
    const again = await connect(ctx.base, login.body.accessToken).then(() => 'connected', (e) => e.message);
    assert.match(again, /unauthorized/, 'the signed-out device cannot reconnect');
    other.close();
  });
});
