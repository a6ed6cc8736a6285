import { describe, expect, it } from "vitest";
import type { Session } from "../lib/types";
import { deviceName, formatWhen, sortSessions } from "./sessions";

const session = (id: string, lastUsedAt: string, current = false): Session => ({
  id,
  userAgent: null,
  signedInAt: lastUsedAt,
  lastUsedAt,
  expiresAt: lastUsedAt,
  current,
});

describe("sessions", () => {
  it("names devices from their user agent", () => {
    expect(deviceName("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36")).toEqual({ browser: "Chrome", os: "Linux" });
    expect(deviceName("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")).toEqual({ browser: "Safari", os: "iOS" });
    expect(deviceName("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0")).toEqual({ browser: "Edge", os: "Windows" });
    expect(deviceName("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.0; rv:131.0) Gecko/20100101 Firefox/131.0")).toEqual({ browser: "Firefox", os: "macOS" });
    expect(deviceName("curl/8.5.0")).toEqual({ browser: "curl", os: null });
    expect(deviceName("")).toBeNull();
    expect(deviceName(null)).toBeNull();
  });

  it("lists this device first, then the most recently used", () => {
    const list = sortSessions([
      session("old", "2025-01-01T00:00:00Z"),
      session("new", "2025-03-01T00:00:00Z"),
      session("me", "2024-01-01T00:00:00Z", true),
    ]);
    expect(list.map((s) => s.id)).toEqual(["me", "new", "old"]);
  });

  it("formats recent times relatively, older ones as dates", () => {
    const now = Date.parse("2025-03-10T12:00:00Z");
    expect(formatWhen("2025-03-10T11:55:00Z", "en", now)).toBe("5 minutes ago");
    expect(formatWhen("2025-03-10T11:55:00Z", "ko", now)).toBe("5분 전");
    expect(formatWhen("2025-01-01T00:00:00Z", "en", now)).toMatch(/2025/);
    expect(formatWhen("not a date", "en", now)).toBe("not a date");
  });
});
