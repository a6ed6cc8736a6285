import { describe, expect, it } from "vitest";
import { translate, typingText } from "./i18n";

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

  it("says why a room or the session went, in both languages", () => {
    expect(en("roomRemovedNotice", { name: "Team" })).toBe("You are no longer a member of “Team”.");
    expect(ko("roomDeletedNotice", { name: "Team" })).toContain("Team");
    expect(en("signedOutElsewhere")).toBe("You were signed out from another device.");
    expect(ko("signedOutElsewhere")).toBe("다른 기기에서 로그아웃되었습니다.");
  });
});
