import { describe, expect, it } from "vitest";
import { formatMessageTime } from "./time";

describe("message times", () => {
  it("shows a time for today and a date for other days", () => {
    const now = new Date(2026, 0, 15, 18, 0);
    const today = new Date(2026, 0, 15, 9, 5).toISOString();
    const earlier = new Date(2026, 0, 3, 9, 5).toISOString();
    expect(formatMessageTime(today, "en", now)).toMatch(/^9:05\sAM$/);
    expect(formatMessageTime(earlier, "en", now)).toMatch(/1\/3\/26/);
    expect(formatMessageTime(earlier, "ko", now)).toMatch(/26\. 1\. 3\./);
  });

  it("passes through what is not a time", () => {
    expect(formatMessageTime("soon", "en")).toBe("soon");
    expect(formatMessageTime(null, "en")).toBe("");
  });
});
