import { describe, expect, it } from "vitest";
import { describeError, translate, typingText } from "./i18n";

describe("strings", () => {
  const en = translate("en");
  const ko = translate("ko");

  it("names who is typing in both languages", () => {
    expect(typingText(en, ["Alice"])).toBe("Alice is typing…");
    expect(typingText(en, ["Alice", "Bob"])).toBe("Alice and Bob are typing…");
    expect(typingText(en, ["A", "B", "C"])).toBe("3 people are typing…");
    expect(typingText(ko, ["Alice"])).toBe("Alice 님이 입력 중…");
    expect(typingText(ko, ["A", "B", "C"])).toBe("3명이 입력 중…");
  });

  it("describes request errors", () => {
    expect(describeError(en, { code: "validation_failed", message: "name must not be empty" })).toBe("name must not be empty");
    expect(describeError(en, { code: "forbidden", message: "nope" })).toBe("You are not allowed to do this.");
    expect(describeError(ko, { code: "rate_limited", message: "", retryAfter: 3 })).toContain("3");
    expect(describeError(en, new TypeError("Failed to fetch"))).toContain("Failed to fetch");
  });

  it("says why a room or the session went, in both languages", () => {
    expect(en("roomRemovedNotice", { name: "Team" })).toBe("You are no longer a member of “Team”.");
    expect(ko("roomDeletedNotice", { name: "Team" })).toContain("Team");
    expect(en("signedOutElsewhere")).toBe("You were signed out from another device.");
    expect(ko("signedOutElsewhere")).toBe("다른 기기에서 로그아웃되었습니다.");
  });
});
