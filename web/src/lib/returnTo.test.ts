import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearReturnTo, peekReturnTo, setReturnTo } from "./returnTo";

describe("where to go after signing in", () => {
  beforeEach(() => {
    const data = new Map<string, string>();
    vi.stubGlobal("sessionStorage", {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => data.set(k, v),
      removeItem: (k: string) => data.delete(k),
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("remembers an app path until cleared", () => {
    expect(peekReturnTo()).toBeNull();
    setReturnTo("/share/abc");
    expect(peekReturnTo()).toBe("/share/abc");
    expect(peekReturnTo()).toBe("/share/abc"); // peeking keeps it
    clearReturnTo();
    expect(peekReturnTo()).toBeNull();
  });

  it("ignores what is not a path of this app", () => {
    setReturnTo("https://evil.example.com/");
    setReturnTo("//evil.example.com");
    setReturnTo("/\\\\evil");
    expect(peekReturnTo()).toBeNull();
  });
});
