import { describe, expect, it } from "vitest";
import { translate } from "../lib/i18n";
import { parseSsoFragment, SSO_ERROR_TEXT, SSO_ERRORS, ssoErrorOf, ssoLanding, withoutSsoError } from "./sso";

describe("single sign-on landing", () => {
  it("reads the tokens of the fragment the server sends", () => {
    expect(parseSsoFragment("#accessToken=eyJ.a.b&refreshToken=rt_x-y&expiresIn=900")).toEqual({
      accessToken: "eyJ.a.b",
      refreshToken: "rt_x-y",
      expiresIn: 900,
    });
    // Percent-encoded values and any order.
    expect(parseSsoFragment("expiresIn=60&refreshToken=rt_%2B%2F&accessToken=a%3Db")).toEqual({
      accessToken: "a=b",
      refreshToken: "rt_+/",
      expiresIn: 60,
    });
  });

  it("needs both tokens; a missing or odd expiry is no reason to refuse them", () => {
    expect(parseSsoFragment("")).toBeNull();
    expect(parseSsoFragment("#")).toBeNull();
    expect(parseSsoFragment("#/login")).toBeNull();
    expect(parseSsoFragment("#accessToken=a&expiresIn=900")).toBeNull();
    expect(parseSsoFragment("#accessToken=&refreshToken=r")).toBeNull();
    expect(parseSsoFragment("#accessToken=a&refreshToken=r")).toEqual({ accessToken: "a", refreshToken: "r", expiresIn: null });
    expect(parseSsoFragment("#accessToken=a&refreshToken=r&expiresIn=soon")?.expiresIn).toBeNull();
    expect(parseSsoFragment("#accessToken=a&refreshToken=r&expiresIn=-5")?.expiresIn).toBeNull();
  });

  it("goes to the chat, or the saved return path; without tokens, back to sign-in saying so", () => {
    const hash = "#accessToken=a&refreshToken=r&expiresIn=900";
    expect(ssoLanding(hash, null)).toEqual({ tokens: { accessToken: "a", refreshToken: "r", expiresIn: 900 }, url: "/#/" });
    expect(ssoLanding(hash, "/share/tok").url).toBe("/#/share/tok");
    expect(ssoLanding("", "/share/tok")).toEqual({ tokens: null, url: "/?ssoError=failed#/login" });
    // The replacement address never carries a token.
    expect(ssoLanding(hash, null).url).not.toContain("Token");
  });
});

describe("single sign-on errors", () => {
  it("reads the reason of the query string; an unknown one is a failure", () => {
    expect(ssoErrorOf("?ssoError=unverified_email")).toBe("unverified_email");
    expect(ssoErrorOf("?a=1&ssoError=refused")).toBe("refused");
    expect(ssoErrorOf("?ssoError=<script>")).toBe("failed");
    expect(ssoErrorOf("?ssoError=")).toBe("failed");
    expect(ssoErrorOf("")).toBeNull();
    expect(ssoErrorOf("?other=1")).toBeNull();
  });

  it("removes it from the query string, keeping the rest", () => {
    expect(withoutSsoError("?ssoError=expired")).toBe("");
    expect(withoutSsoError("?a=1&ssoError=expired&b=2")).toBe("?a=1&b=2");
    expect(withoutSsoError("")).toBe("");
  });

  it("explains every reason in English and Korean", () => {
    const en = translate("en");
    const ko = translate("ko");
    const seen = new Set<string>();
    for (const reason of SSO_ERRORS) {
      const text = en(SSO_ERROR_TEXT[reason]);
      expect(text.length).toBeGreaterThan(10);
      expect(ko(SSO_ERROR_TEXT[reason])).toMatch(/[가-힣]/);
      seen.add(text);
    }
    expect(seen.size).toBe(SSO_ERRORS.length);
    expect(en("ssoErrorUnverifiedEmail")).toContain("not verified");
    expect(en("signInWith", { name: "Acme ID" })).toBe("Sign in with Acme ID");
    expect(ko("signInWith", { name: "Acme ID" })).toBe("Acme ID(으)로 로그인");
  });
});
