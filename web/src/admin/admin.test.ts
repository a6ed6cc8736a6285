import { describe, expect, it } from "vitest";
import { parseHash } from "../lib/router";
import { queryString, usageCsvPath } from "./api";
import { ADMIN_KEYS, adminTables, adminTranslate } from "./i18n";
import { adminPath, NAV_PAGES, navPageOf, threadPath } from "./routes";

describe("admin routes", () => {
  it("parses every admin page", () => {
    expect(parseHash("#/admin")).toEqual({ name: "admin", page: "dashboard", roomId: null });
    expect(parseHash("#/admin/")).toEqual({ name: "admin", page: "dashboard", roomId: null });
    for (const page of ["users", "rooms", "usage", "audit", "errors"]) {
      expect(parseHash("#/admin/" + page)).toEqual({ name: "admin", page, roomId: null });
    }
    expect(parseHash("#/admin/rooms/abc-123")).toEqual({ name: "admin", page: "thread", roomId: "abc-123" });
    expect(parseHash("#/admin/rooms/a%20b")).toEqual({ name: "admin", page: "thread", roomId: "a b" });
    // Unknown admin addresses land on the dashboard; other pages are not admin pages.
    expect(parseHash("#/admin/nope")).toEqual({ name: "admin", page: "dashboard", roomId: null });
    expect(parseHash("#/admin/users/x")).toEqual({ name: "admin", page: "dashboard", roomId: null });
    expect(parseHash("#/administrator")).toEqual({ name: "chat", roomId: null });
  });

  it("round-trips the addresses it links to", () => {
    for (const page of NAV_PAGES) {
      expect(parseHash("#" + adminPath(page))).toEqual({ name: "admin", page, roomId: null });
    }
    expect(parseHash("#" + threadPath("r/1 ?"))).toEqual({ name: "admin", page: "thread", roomId: "r/1 ?" });
    expect(navPageOf("thread")).toBe("rooms");
    expect(navPageOf("usage")).toBe("usage");
  });
});

describe("admin API addresses", () => {
  it("leaves unset parameters out", () => {
    expect(queryString({})).toBe("");
    expect(queryString({ search: "", after: null, limit: undefined })).toBe("");
    expect(queryString({ search: "ann lee", after: "u1", limit: 50 })).toBe("?search=ann+lee&after=u1&limit=50");
  });

  it("points the CSV link at the report's own parameters", () => {
    expect(usageCsvPath({ groupBy: "day", from: "2026-11-02", to: "2026-12-01" })).toBe(
      "/admin/usage?groupBy=day&from=2026-11-02&to=2026-12-01&format=csv",
    );
  });
});

describe("admin strings", () => {
  it("has every string in both languages, filled in", () => {
    for (const lang of ["en", "ko"] as const) {
      for (const key of ADMIN_KEYS) expect(adminTables[lang][key].trim(), `${lang}.${key}`).not.toBe("");
    }
    // Korean is a translation, not a copy (a few are code-like or proper names).
    const same = ADMIN_KEYS.filter((k) => adminTables.en[k] === adminTables.ko[k]);
    expect(same).toEqual([]);
  });

  it("fills variables and falls back to the app's shared strings", () => {
    const en = adminTranslate("en");
    const ko = adminTranslate("ko");
    expect(en("adm_lastDays", { n: 14 })).toBe("Last 14 days");
    expect(ko("adm_lastDays", { n: 14 })).toBe("최근 14일");
    expect(en("cancel")).toBe("Cancel");
    expect(ko("cancel")).toBe("취소");
    expect(en("err_forbidden")).toBe("You are not allowed to do this.");
  });
});
