import { afterEach, describe, expect, it, vi } from "vitest";
import { currentNotice, dismissNotice, dismissStickyNotice, NOTICE_MS, showNotice } from "./notice";

describe("notices", () => {
  afterEach(() => {
    dismissNotice();
    vi.useRealTimers();
  });

  it("a plain notice goes away by itself; a newer one replaces it", () => {
    vi.useFakeTimers();
    showNotice("roomRemovedNotice", { name: "Team" });
    expect(currentNotice()).toMatchObject({ key: "roomRemovedNotice", vars: { name: "Team" }, sticky: false });
    vi.advanceTimersByTime(NOTICE_MS / 2);
    showNotice("roomDeletedNotice", { name: "Other" });
    vi.advanceTimersByTime(NOTICE_MS / 2 + 1);
    expect(currentNotice()?.key).toBe("roomDeletedNotice"); // the first one's timer is gone
    vi.advanceTimersByTime(NOTICE_MS);
    expect(currentNotice()).toBeNull();
  });

  it("a sticky notice stays until dismissed or the next sign-in", () => {
    vi.useFakeTimers();
    showNotice("signedOutElsewhere", undefined, { sticky: true });
    vi.advanceTimersByTime(NOTICE_MS * 10);
    expect(currentNotice()?.key).toBe("signedOutElsewhere");
    dismissStickyNotice();
    expect(currentNotice()).toBeNull();
  });

  it("dismissing an older notice leaves a newer one", () => {
    showNotice("roomRemovedNotice", { name: "A" });
    const first = currentNotice()!.id;
    showNotice("roomDeletedNotice", { name: "B" });
    dismissNotice(first);
    expect(currentNotice()?.key).toBe("roomDeletedNotice");
    dismissStickyNotice(); // not sticky: stays
    expect(currentNotice()?.key).toBe("roomDeletedNotice");
  });
});
