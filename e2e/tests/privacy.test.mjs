// Hardening, privacy: the `join` ack's member list shows an email address only to its owner,
// the room's owner and admins, and never anyone else's in `general` (the REST member list
// follows the same rule: crates/server/tests/api/privacy.rs).

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { joined, roomWith, users } from '../lib/scene.mjs';
import { show } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const emailOf = (ack, user) => ack.members.find((m) => m.userId === user.id)?.email;

eachBackend('privacy of member lists', (ctx) => {
  let admin;
  let owner;
  let member;
  let room;
  before(async () => {
    [admin, owner, member] = await users(ctx.base, 'first-admin', 'owner', 'member');
    room = await roomWith(ctx.base, owner, [member]);
  });

  it('a member sees their own address in the join ack, not the others\'', async () => {
    const socket = await joined(ctx.base, member, room.id);
    const ack = socket.joinAck;
    assert.equal(emailOf(ack, member), member.email, show(ack.members));
    assert.equal(emailOf(ack, owner), undefined, `the owner's address leaked: ${show(ack.members)}`);
    socket.close();
  });

  it('the owner sees every member\'s address', async () => {
    const socket = await joined(ctx.base, owner, room.id);
    assert.equal(emailOf(socket.joinAck, member), member.email, show(socket.joinAck.members));
    socket.close();
  });

  it('in general nobody sees anyone else\'s address, admins included', async () => {
    for (const viewer of [member, admin]) {
      const socket = await joined(ctx.base, viewer, 'general');
      const others = socket.joinAck.members.filter((m) => m.userId !== viewer.id);
      assert.ok(others.length >= 2, show(socket.joinAck.members));
      assert.deepEqual(others.filter((m) => m.email !== undefined), [], show(others));
      socket.close();
    }
  });
});
