// Setting the scene in one line: users, a room with members, sockets that have joined it.

import { randomUUID } from 'node:crypto';
import { createRoom, register, uniqueName } from './api.mjs';
import { assertOk } from './contract.mjs';
import { connect, emitAck } from './socket.mjs';

/** Registers one user per prefix (in order, so the first is the database's first = admin). */
export async function users(base, ...prefixes) {
  const out = [];
  for (const prefix of prefixes) out.push(await register(base, uniqueName(prefix)));
  return out;
}

/** A private room owned by `owner` with `members` added; AI off (see createRoom). */
export function roomWith(base, owner, members = [], extra = {}) {
  return createRoom(base, owner.accessToken, uniqueName('room'), {
    memberIds: members.map((m) => m.id),
    ...extra,
  });
}

/** `join` with an ack, asserting ok; returns the ack. */
export async function join(socket, roomId, since) {
  const payload = since === undefined ? { roomId } : { roomId, since };
  return assertOk(await emitAck(socket, 'join', payload), `join ${JSON.stringify(payload)}`);
}

/** Connects `user` and joins `roomId`; returns the socket (the join ack as `socket.joinAck`). */
export async function joined(base, user, roomId, opts) {
  const socket = await connect(base, user.accessToken, opts);
  socket.joinAck = await join(socket, roomId);
  return socket;
}

/** An idempotency key as our clients make them. */
export const clientId = () => `c-${randomUUID()}`;
