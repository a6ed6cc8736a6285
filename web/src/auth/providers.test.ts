import { describe, expect, it } from "vitest";
import { readProviders } from "./providers";

describe("sign-in providers", () => {
  it("reads the server's answer", () => {
    expect(readProviders({ password: true, sso: null })).toEqual({ password: true, sso: null });
    expect(readProviders({ password: false, sso: { name: "Acme ID", startUrl: "/api/auth/oidc/start" } })).toEqual({
      password: false,
      sso: { name: "Acme ID", startUrl: "/api/auth/oidc/start" },
    });
  });

  it("falls back to passwords for an answer it cannot read, and starts sign-ins on this site only", () => {
    expect(readProviders(undefined)).toEqual({ password: true, sso: null });
    expect(readProviders("nope")).toEqual({ password: true, sso: null });
    expect(readProviders({ sso: { name: "X", startUrl: "https://evil.example/start" } }).sso).toBeNull();
    expect(readProviders({ sso: { name: "X", startUrl: "//evil.example/start" } }).sso).toBeNull();
    expect(readProviders({ sso: { name: "X", startUrl: "/\\evil.example" } }).sso).toBeNull();
    expect(readProviders({ sso: { name: " ", startUrl: "/api/auth/oidc/start" } }).sso?.name).toBe("SSO");
  });
});
