import { describe, expect, it } from "vitest";
import { hashFromPath, parseHash, roomPath, settingsPath } from "./router";

describe("routes", () => {
  it("parses every page", () => {
    expect(parseHash("")).toEqual({ name: "chat", roomId: null });
    expect(parseHash("#/login")).toEqual({ name: "login" });
    expect(parseHash("#/account")).toEqual({ name: "account" });
    expect(parseHash("#/admin")).toEqual({ name: "admin", page: "dashboard", roomId: null });
    expect(parseHash("#/r/general")).toEqual({ name: "chat", roomId: "general" });
    expect(parseHash("#/r/general/settings")).toEqual({ name: "roomSettings", roomId: "general" });
    expect(parseHash("#/r/%E0%A4%A")).toEqual({ name: "chat", roomId: "%E0%A4%A" });
  });

  it("parses share links, under the hash or as a path", () => {
    expect(parseHash("#/share/abc_DEF-123")).toEqual({ name: "share", token: "abc_DEF-123" });
    expect(parseHash("#/share/a%20b")).toEqual({ name: "share", token: "a b" });
    expect(parseHash("#/share/")).toEqual({ name: "chat", roomId: null });
    expect(hashFromPath("/share/tok", "")).toBe("#/share/tok");
    expect(hashFromPath("/share/tok/", "#")).toBe("#/share/tok");
    expect(hashFromPath("/share/tok", "#/login")).toBeNull();
    expect(hashFromPath("/", "")).toBeNull();
  });

  it("opens the sign-in and sign-up pages by their paths (a failed single sign-on's /login?ssoError=…)", () => {
    expect(hashFromPath("/login", "")).toBe("#/login");
    expect(hashFromPath("/signup/", "#")).toBe("#/signup");
    expect(hashFromPath("/login", "#/r/abc")).toBeNull();
    expect(hashFromPath("/loginx", "")).toBeNull();
    expect(hashFromPath("/auth/sso", "")).toBeNull();
  });

  it("round-trips room paths", () => {
    expect(parseHash("#" + roomPath("a b"))).toEqual({ name: "chat", roomId: "a b" });
    expect(parseHash("#" + settingsPath("a/b"))).toEqual({ name: "roomSettings", roomId: "a/b" });
  });
});
