import { describe, expect, it } from "vitest";
import type { Share } from "../lib/conversationTypes";
import { EXPIRY_OPTIONS, expiryHours, sharePath, shareState, shareUrl, sortShares } from "./links";

const share = (id: string, extra: Partial<Share> = {}): Share => ({
  id,
  token: "tok-" + id,
  url: "",
  roomId: "r",
  upToSeq: 3,
  createdAt: "2026-01-0" + id + "T00:00:00Z",
  expiresAt: null,
  revokedAt: null,
  ...extra,
});

describe("share links", () => {
  it("offers never, a day, a week and a month", () => {
    expect(EXPIRY_OPTIONS.map((o) => [o.value, o.hours])).toEqual([
      ["never", null],
      ["1d", 24],
      ["7d", 168],
      ["30d", 720],
    ]);
    expect(expiryHours("7d")).toBe(168);
    expect(expiryHours("never")).toBeNull();
    expect(expiryHours("bogus")).toBeNull();
  });

  it("makes the server's address absolute, or builds the app's own", () => {
    const origin = "https://chat.example.com";
    expect(shareUrl({ url: "https://other.example.com/share/x", token: "x" }, origin)).toBe("https://other.example.com/share/x");
    expect(shareUrl({ url: "/share/x", token: "x" }, origin)).toBe("https://chat.example.com/share/x");
    expect(shareUrl({ url: "", token: "a b" }, origin)).toBe("https://chat.example.com/#/share/a%20b");
    expect(sharePath("t")).toBe("/share/t");
  });

  it("tells working links from revoked and expired ones", () => {
    const now = Date.parse("2026-02-01T00:00:00Z");
    expect(shareState(share("1"), now)).toBe("active");
    expect(shareState(share("1", { revokedAt: "2026-01-05T00:00:00Z" }), now)).toBe("revoked");
    expect(shareState(share("1", { expiresAt: "2026-01-31T00:00:00Z" }), now)).toBe("expired");
    expect(shareState(share("1", { expiresAt: "2026-03-01T00:00:00Z" }), now)).toBe("active");
    const sorted = sortShares([share("1"), share("2", { revokedAt: "2026-01-05T00:00:00Z" }), share("3")], now);
    expect(sorted.map((s) => s.id)).toEqual(["3", "1", "2"]);
  });
});
