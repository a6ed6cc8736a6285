import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { start, signUp, signIn, createRoom, roomIdOf, goTo, until, PASSWORD } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const value = (locator) => locator.inputValue();

/** An account made over the API (a member who needs no page of their own). */
async function register(name) {
  const email = `e2e-live-${process.pid}-${Date.now()}-${name.toLowerCase().replace(/\W+/g, "")}@example.com`;
  const res = await fetch(h.base + "/api/auth/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, name, password: PASSWORD }),
  });
  assert.ok(res.ok, `register ${email}: HTTP ${res.status}`);
  return email;
}

test("live rooms: B sees a room appear, its members and new name, and go again, without reloading", async () => {
  const a = await h.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const aEmail = await signUp(a, h.base, { name: "Ann Owner" });
  const b = await h.browser.newPage({ viewport: { width: 1280, height: 800 } }); // its own context
  const bEmail = await signUp(b, h.base, { name: "Ben Guest" });
  const cEmail = await register("Cat Third");
  // B's page is never reloaded from here on: every change below reaches it as an event.
  await b.evaluate(() => { window.__noReload = true; });

  await createRoom(a, "Live room");
  const roomId = await roomIdOf(a);
  const settings = `/r/${encodeURIComponent(roomId)}/settings`;
  const bItem = b.locator(`[data-testid="room-item"][data-room-id="${roomId}"]`);
  assert.equal(await bItem.count(), 0);

  // A adds B: the room appears in B's list.
  await a.getByTestId("room-settings").click();
  await a.getByTestId("member-add-email").fill(bEmail);
  await a.getByTestId("member-add").click();
  await a.getByTestId("member-item").filter({ hasText: bEmail }).waitFor();
  await bItem.filter({ hasText: "Live room" }).waitFor();

  // B opens the room's settings (read-only for B): two members, in the list and the header.
  await bItem.click();
  await b.getByTestId("composer").waitFor();
  await goTo(b, settings);
  await b.getByTestId("settings-readonly").waitFor();
  await until(() => value(b.getByTestId("settings-name")), (v) => v === "Live room", { what: "B's settings form" });
  const bMembers = b.getByTestId("member-item");
  await until(() => bMembers.count(), (n) => n === 2, { what: "two members in B's list" });
  await b.getByTestId("room-presence").filter({ hasText: "2 members" }).waitFor();

  // A's second device has the settings open with an unsaved edit to the prompt.
  const a2 = await h.browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(a2, h.base, aEmail);
  await goTo(a2, settings);
  await until(() => value(a2.getByTestId("settings-name")), (v) => v === "Live room", { what: "A2's settings form" });
  await a2.getByTestId("settings-system-prompt").fill("An unsaved draft");

  // A adds a third member: B's member list and header count follow.
  await a.getByTestId("member-add-email").fill(cEmail);
  await a.getByTestId("member-add").click();
  await a.getByTestId("member-item").filter({ hasText: cEmail }).waitFor();
  await bMembers.filter({ hasText: "Cat Third" }).waitFor();
  assert.equal(await bMembers.count(), 3);
  await b.getByTestId("room-presence").filter({ hasText: "3 members" }).waitFor();

  // A renames the room: B's list, header and form show the new name; A's other device takes it
  // too but keeps its unsaved prompt.
  await a.getByTestId("settings-name").fill("Live renamed");
  await a.getByTestId("settings-save").click();
  await a.getByTestId("settings-status").filter({ hasText: "Saved" }).waitFor();
  await bItem.filter({ hasText: "Live renamed" }).waitFor();
  await until(() => value(b.getByTestId("settings-name")), (v) => v === "Live renamed", { what: "the new name in B's form" });
  await b.locator("header h1").filter({ hasText: "Live renamed" }).waitFor();
  await until(() => value(a2.getByTestId("settings-name")), (v) => v === "Live renamed", { what: "the new name in A2's form" });
  assert.equal(await value(a2.getByTestId("settings-system-prompt")), "An unsaved draft", "unsaved edits are kept");
  assert.equal(await a2.getByTestId("settings-save").isDisabled(), false, "the edit is still there to save");

  // A removes B, who has the room open: it leaves B's list and B lands in general, told why.
  await a.getByTestId("member-item").filter({ hasText: bEmail }).getByTestId("member-remove").click();
  await a.getByTestId("member-item").filter({ hasText: bEmail }).waitFor({ state: "detached" });
  await bItem.waitFor({ state: "detached" });
  await until(() => b.evaluate(() => location.hash), (v) => v === "#/r/general", { what: "B in the general room" });
  await b.getByTestId("composer").waitFor();
  await b.locator('[data-testid="notice"][data-notice="roomRemovedNotice"]').filter({ hasText: "Live renamed" }).waitFor();
  await b.getByTestId("notice-dismiss").click();
  await b.getByTestId("notice").waitFor({ state: "detached" });

  // A adds B again (B is in general now): back in B's list. Then A deletes the room: it leaves
  // B's list (B stays where it is), and A's other device, on its settings, lands in general.
  await a.getByTestId("member-add-email").fill(bEmail);
  await a.getByTestId("member-add").click();
  await a.getByTestId("member-notice").filter({ hasText: "was added" }).waitFor();
  await bItem.filter({ hasText: "Live renamed" }).waitFor();
  await a.getByTestId("room-delete").click();
  await a.getByTestId("room-delete-confirm").click();
  await a.getByTestId("composer").waitFor();
  await bItem.waitFor({ state: "detached" });
  assert.equal(await b.evaluate(() => location.hash), "#/r/general");
  assert.equal(await b.getByTestId("notice").count(), 0, "a room that was not open goes quietly");
  await until(() => a2.evaluate(() => location.hash), (v) => v === "#/r/general", { what: "A2 in the general room" });
  await a2.locator('[data-testid="notice"][data-notice="roomDeletedNotice"]').waitFor();
  assert.equal(await a.getByTestId("notice").count(), 0, "deleting it yourself needs no notice");

  // None of this took a reload of B's page.
  assert.equal(await b.evaluate(() => window.__noReload), true);
});
