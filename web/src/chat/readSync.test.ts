import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ReadSync } from "./readSync";

describe("ReadSync", () => {
  let sent: Array<[string, number]>;
  let sync: ReadSync;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    sync = new ReadSync((roomId, seq) => sent.push([roomId, seq]), 1_000);
  });
  afterEach(() => {
    sync.clear();
    vi.useRealTimers();
  });

  it("sends the first receipt at once and a burst after it as one, with the highest seq", () => {
    for (let seq = 1; seq <= 230; seq++) sync.mark("r1", seq);
    expect(sent).toEqual([["r1", 1]]);
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([["r1", 1], ["r1", 230]]);
    vi.advanceTimersByTime(5_000);
    expect(sent).toHaveLength(2);
  });

  it("sends again at once after a quiet interval", () => {
    sync.mark("r1", 3);
    vi.advanceTimersByTime(1_000);
    sync.mark("r1", 4);
    expect(sent).toEqual([["r1", 3], ["r1", 4]]);
  });

  it("keeps rooms apart and ignores seq 0 and older seqs", () => {
    sync.mark("r1", 5);
    sync.mark("r2", 7);
    sync.mark("r1", 2);
    sync.mark("r3", 0);
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([["r1", 5], ["r2", 7]]);
  });

  it("sends nothing held once cleared", () => {
    sync.mark("r1", 1);
    sync.mark("r1", 9);
    sync.clear();
    vi.advanceTimersByTime(2_000);
    expect(sent).toEqual([["r1", 1]]);
  });
});
