// Read receipts (`sync_read`) coalesced per room. A busy room delivers many messages a second
// while it is open, and one receipt per message spent the socket's event budget (30 a second by
// default), so the user's own sends and joins came back `rate_limited`. The first receipt for a
// room goes at once; those within the next interval wait and go as one, with the highest seq.

export const READ_SYNC_INTERVAL_MS = 1_000;

interface Held {
  /** The highest seq marked read while held. */
  seq: number;
  /** The seq the last receipt carried. */
  sent: number;
  timer: ReturnType<typeof setTimeout>;
}

export class ReadSync {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly send: (roomId: string, seq: number) => void,
    private readonly interval = READ_SYNC_INTERVAL_MS,
  ) {}

  /** The user has read `roomId` up to `seq`. */
  mark(roomId: string, seq: number): void {
    if (seq <= 0) return;
    const held = this.held.get(roomId);
    if (held) {
      held.seq = Math.max(held.seq, seq);
      return;
    }
    this.send(roomId, seq);
    this.hold(roomId, seq);
  }

  /** Forgets what is held (the session ended): nothing more is sent. */
  clear(): void {
    for (const held of this.held.values()) clearTimeout(held.timer);
    this.held.clear();
  }

  private hold(roomId: string, sent: number): void {
    const timer = setTimeout(() => this.release(roomId), this.interval);
    this.held.set(roomId, { seq: sent, sent, timer });
  }

  private release(roomId: string): void {
    const held = this.held.get(roomId);
    this.held.delete(roomId);
    if (held && held.seq > held.sent) {
      this.send(roomId, held.seq);
      this.hold(roomId, held.seq);
    }
  }
}
