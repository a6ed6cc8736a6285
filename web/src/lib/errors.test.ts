import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { describeError, errorInfo, serverErrorText, waitText } from "./errors";
import { translate } from "./i18n";

const en = translate("en");
const ko = translate("ko");

describe("server errors in the user's language", () => {
  it("says which rule a validation error broke, per field", () => {
    expect(serverErrorText("validation_failed", "password", undefined, "en")).toContain("at least 10 characters");
    expect(serverErrorText("validation_failed", "password", undefined, "ko")).toContain("10자 이상");
    expect(serverErrorText("validation_failed", "email", undefined, "en")).toBe("Enter a valid email address, like name@example.com.");
    expect(serverErrorText("validation_failed", "email", undefined, "ko")).toContain("이메일 주소");
    expect(serverErrorText("validation_failed", "name", null, "ko")).toContain("이름");
    expect(serverErrorText("validation_failed", "model", null, "en")).toBe("Choose one of the listed models.");
    expect(serverErrorText("validation_failed", "limit", null, "en")).toContain("Reload");
  });

  it("has a sentence for every field the server names, in both languages", () => {
    const fields = ["email", "name", "password", "content", "clientId", "roomId", "description", "systemPrompt", "model", "aiMode", "visibility", "limit", "userId"];
    for (const lang of ["en", "ko"] as const) {
      const generic = serverErrorText("validation_failed", undefined, undefined, lang);
      const seen = new Set<string>();
      for (const field of fields) {
        const text = serverErrorText("validation_failed", field, undefined, lang);
        expect(text, `${lang} ${field}`).not.toBe(generic);
        seen.add(text);
      }
      expect(seen.size).toBe(fields.length);
    }
  });

  it("says too long for a field that is too large, and 'too large' without one", () => {
    expect(serverErrorText("too_large", "content", undefined, "en")).toBe("The message is too long.");
    expect(serverErrorText("too_large", "systemPrompt", undefined, "ko")).toBe("시스템 프롬프트가 너무 깁니다.");
    expect(serverErrorText("too_large", undefined, undefined, "en")).toBe("This is too large to send.");
    // A Socket.IO ack names no field: on a send, what is too large is the message.
    expect(serverErrorText("too_large", undefined, undefined, "ko", "send")).toBe("메시지가 너무 깁니다.");
  });

  it("falls back to a generic sentence per code, never the server's message", () => {
    const codes = ["bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict", "too_large", "unsupported_media_type", "validation_failed", "rate_limited", "unavailable", "quota_exceeded", "internal"];
    for (const lang of ["en", "ko"] as const) {
      const texts = codes.map((code) => serverErrorText(code, undefined, undefined, lang));
      for (const text of texts) expect(text).not.toBe(serverErrorText("something_new", undefined, undefined, lang));
    }
    expect(serverErrorText("something_new", undefined, undefined, "ko")).toBe("문제가 발생했습니다. 다시 시도하세요.");
    expect(serverErrorText("http_502", undefined, undefined, "en")).toBe(en("err_unavailable"));
    const err = new ApiError(422, "validation_failed", "password must be at least 10 characters; a short sentence", undefined, { field: "password" });
    expect(describeError(ko, err)).not.toContain("must be");
    expect(describeError(ko, err)).toBe(ko("err_field_password"));
  });

  it("reads the context: a conflict on sign-up is a taken email, on adding a member a full room", () => {
    expect(serverErrorText("conflict", undefined, undefined, "ko", "signUp")).toBe("이미 이 이메일로 가입된 계정이 있습니다.");
    expect(serverErrorText("conflict", undefined, undefined, "en", "addMember")).toBe("The room is full.");
    expect(serverErrorText("conflict", undefined, undefined, "en", "leaveRoom")).toBe(en("ownerCannotLeave"));
    expect(serverErrorText("not_found", undefined, undefined, "en", "addMember")).toBe("No account uses this email address.");
    expect(serverErrorText("not_found", undefined, undefined, "en")).toBe("Not found. It may have been deleted.");
    expect(serverErrorText("unauthorized", undefined, undefined, "ko", "signIn")).toBe("이메일 또는 비밀번호가 올바르지 않습니다.");
    expect(serverErrorText("unauthorized", undefined, undefined, "en")).toBe(en("sessionEnded"));
    expect(serverErrorText("forbidden", undefined, undefined, "en", "signIn")).toBe("This account has been deactivated.");
  });

  it("says how long to wait when rate limited", () => {
    expect(serverErrorText("rate_limited", undefined, 3, "en", "send")).toBe("You are sending too fast. Try again in 3 seconds.");
    expect(serverErrorText("rate_limited", undefined, 3, "ko", "send")).toBe("너무 빠르게 보내고 있습니다. 3초 후에 다시 시도하세요.");
    expect(serverErrorText("rate_limited", undefined, 600, "en", "signIn")).toBe("Too many failed sign-in attempts. Try again in 10 minutes.");
    expect(serverErrorText("rate_limited", undefined, 7200, "ko", "signUp")).toContain("2시간 후에");
    expect(serverErrorText("rate_limited", undefined, undefined, "en")).toBe("Too many requests. Try again in a moment.");
    expect(waitText(en, 1)).toBe("1 second");
    expect(waitText(en, 0.2)).toBe("1 second");
    expect(waitText(en, 0)).toBe("a moment");
  });

  it("explains failed answers by the model's error code", () => {
    expect(serverErrorText("quota_exceeded", undefined, undefined, "en", "answer")).toBe(en("err_quota_exceeded"));
    expect(serverErrorText("overloaded_error", undefined, undefined, "ko", "answer")).toBe(ko("err_answer_busy"));
    expect(serverErrorText("incomplete", undefined, undefined, "en", "answer")).toBe(en("err_answer_cut"));
    expect(serverErrorText("auth", undefined, undefined, "en", "answer")).toBe(en("err_answer_failed"));
  });

  it("reads REST errors, Socket.IO ack errors and network failures", () => {
    expect(errorInfo(new ApiError(422, "validation_failed", "x", undefined, { field: "email" }))).toEqual({ code: "validation_failed", field: "email" });
    expect(errorInfo(new ApiError(429, "rate_limited", "x", 5))).toEqual({ code: "rate_limited", retryAfter: 5 });
    expect(errorInfo({ code: "too_large", message: "content is 20000 bytes" })).toEqual({ code: "too_large" });
    expect(errorInfo(new TypeError("Failed to fetch"))).toEqual({ code: "network" });
    expect(errorInfo(new Error("not signed in"))).toEqual({ code: "unknown" });
    expect(errorInfo(null)).toEqual({ code: "unknown" });
    expect(describeError(en, new TypeError("Failed to fetch"))).toBe(en("err_network"));
  });
});
