import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, signUp, createRoom, roomIdOf, goTo, until, shotsDir } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const value = (locator) => locator.inputValue();

test("room settings: name, system prompt and AI mode are saved and kept across a reload; members are added by email", async () => {
  // The owner signs up first (so is also the server's admin); the member is a plain user.
  const owner = await h.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  await signUp(owner, h.base, { name: "Olive Owner" });
  const member = await h.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  const memberEmail = await signUp(member, h.base, { name: "Bea Member" });
  await createRoom(owner, "E2E settings");
  const roomId = await roomIdOf(owner);

  // Open the settings from the chat header; the form starts from the server's copy.
  await owner.getByTestId("room-settings").click();
  const name = owner.getByTestId("settings-name");
  await until(() => value(name), (v) => v === "E2E settings", { what: "the room name in the form" });
  assert.equal(await owner.getByTestId("settings-save").isDisabled(), true, "nothing changed yet");
  await name.fill("Renamed room");
  await owner.getByTestId("settings-system-prompt").fill("Answer like a pirate.");
  await owner.getByTestId("settings-ai-mode").selectOption("mention");
  await owner.getByTestId("settings-save").click();
  await owner.getByTestId("settings-status").filter({ hasText: "Saved" }).waitFor();
  await owner.getByTestId("room-item").filter({ hasText: "Renamed room" }).waitFor();

  // A validation error from the server is shown inline and nothing is saved.
  await name.fill("   ");
  await owner.getByTestId("settings-save").click();
  await owner.getByTestId("settings-error").waitFor();
  await name.fill("Renamed room");

  await owner.reload();
  await until(() => value(owner.getByTestId("settings-name")), (v) => v === "Renamed room", { what: "the saved name after a reload" });
  assert.equal(await value(owner.getByTestId("settings-system-prompt")), "Answer like a pirate.");
  assert.equal(await value(owner.getByTestId("settings-ai-mode")), "mention");
  assert.equal(await owner.getByTestId("settings-save").isDisabled(), true);

  // Members: the owner alone, then the second user added by email (online: their page is open).
  const items = owner.getByTestId("member-item");
  await items.first().waitFor();
  assert.equal(await items.count(), 1);
  await owner.getByTestId("member-add-email").fill("nobody-" + Date.now() + "@example.com");
  await owner.getByTestId("member-add").click();
  await owner.getByTestId("member-error").filter({ hasText: "No account" }).waitFor();
  await owner.getByTestId("member-add-email").fill(memberEmail);
  await owner.getByTestId("member-add").click();
  await items.filter({ hasText: memberEmail }).waitFor();
  assert.equal(await items.count(), 2);
  await owner.locator('[data-testid="member-item"][data-online="true"]').filter({ hasText: memberEmail }).waitFor();
  await owner.screenshot({ path: join(shotsDir(), "room-settings.png") });

  // The member sees the settings read-only, with no owner-only controls.
  await goTo(member, `/r/${encodeURIComponent(roomId)}/settings`);
  await member.getByTestId("settings-readonly").waitFor();
  await until(() => value(member.getByTestId("settings-name")), (v) => v === "Renamed room", { what: "the name as the member sees it" });
  assert.equal(await member.getByTestId("settings-name").getAttribute("readonly"), "");
  assert.equal(await member.getByTestId("settings-ai-mode").isDisabled(), true);
  assert.equal(await member.getByTestId("settings-save").count(), 0);
  assert.equal(await member.getByTestId("member-add-email").count(), 0);
  assert.equal(await member.getByTestId("member-remove").count(), 0);
  assert.equal(await member.getByTestId("room-delete").count(), 0);

  // The member leaves (after confirming): back in the chat, the room gone from their list.
  await member.getByTestId("room-leave").click();
  await member.getByTestId("room-leave-confirm").click();
  await member.getByTestId("composer").waitFor();
  await until(() => member.getByTestId("room-item").filter({ hasText: "Renamed room" }).count(), (n) => n === 0, { what: "the room gone from the member's list" });

  // The owner adds them again (the server, not the stale list, decides it is new), then removes them.
  await owner.getByTestId("member-add-email").fill(memberEmail);
  await owner.getByTestId("member-add").click();
  await owner.getByTestId("member-notice").filter({ hasText: "was added" }).waitFor();
  await owner.getByTestId("member-add-email").fill(memberEmail.toUpperCase());
  await owner.getByTestId("member-add").click();
  await owner.getByTestId("member-notice").filter({ hasText: "already a member" }).waitFor();
  assert.equal(await items.count(), 2);
  await items.filter({ hasText: memberEmail }).getByTestId("member-remove").click();
  await items.filter({ hasText: memberEmail }).waitFor({ state: "detached" });
  assert.equal(await items.count(), 1);

  // The owner deletes the room: back in the chat, the room gone.
  await owner.getByTestId("room-delete").click();
  await owner.getByTestId("room-delete-confirm").click();
  await owner.getByTestId("composer").waitFor();
  await until(() => owner.getByTestId("room-item").filter({ hasText: "Renamed room" }).count(), (n) => n === 0, { what: "the deleted room gone" });
  assert.notEqual(await roomIdOf(owner), roomId);
});
