// At 360 px (the narrowest width SPEC §9 supports) long unbroken words stay inside their message
// bubbles, and in the Korean UI the server's validation errors are shown translated.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { start, signUp, send, roomLoaded, assistant, PASSWORD } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const WIDTH = 360;
const narrowPage = () => h.browser.newPage({ viewport: { width: WIDTH, height: 740 }, isMobile: true, hasTouch: true, colorScheme: "light" });

/** What sticks out sideways: the page, the message list, each bubble (its box, and content that
 *  overflows it) and each code block (which should scroll inside itself). */
const layout = (page) => page.evaluate(() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { left: Math.floor(r.left), right: Math.ceil(r.right), scroll: el.scrollWidth, client: el.clientWidth }; };
  const list = document.querySelector('[data-testid="message-list"]');
  return {
    page: document.documentElement.scrollWidth,
    list: { scroll: list.scrollWidth, client: list.clientWidth },
    bubbles: [...document.querySelectorAll('[data-testid="message-bubble"]')].map(box),
    codeBlocks: [...document.querySelectorAll('[data-testid="message-bubble"] pre')].map(box),
  };
});

const complete = (page, n) =>
  page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').nth(n - 1).waitFor({ timeout: 20000 });

test("at 360 px a long word in a quote or a code block stays inside its bubble", async () => {
  const page = await narrowPage();
  await signUp(page, h.base);
  await roomLoaded(page);
  // The demo model quotes the question's first 120 characters: a quote inside a quote holding a
  // 118-character word, then (second question) a code block inside a quote with a long line.
  await send(page, "> " + "a".repeat(300) + "\n\n```\n" + "c".repeat(300) + "\n```");
  await complete(page, 1);
  await send(page, "```\n" + "b".repeat(300) + "\n```");
  await complete(page, 2);
  assert.ok(await assistant(page).nth(0).locator("blockquote blockquote").count(), "the first answer quotes the quote");
  assert.ok(await assistant(page).nth(1).locator("blockquote pre").count(), "the second answer quotes the code block");

  const o = await layout(page);
  const detail = JSON.stringify(o);
  assert.ok(o.page <= WIDTH, `the page scrolls sideways: ${detail}`);
  assert.ok(o.list.scroll <= o.list.client, `the message list scrolls sideways: ${detail}`);
  assert.equal(o.bubbles.length, 4, detail);
  for (const b of o.bubbles) {
    assert.ok(b.left >= 0 && b.right <= WIDTH, `a bubble leaves the viewport: ${detail}`);
    assert.ok(b.scroll <= b.client, `a bubble's content overflows it: ${detail}`);
  }
  for (const c of o.codeBlocks) assert.ok(c.right <= WIDTH, `a code block leaves the viewport: ${detail}`);
  assert.ok(o.codeBlocks.some((c) => c.scroll > c.client), `the long code line scrolls inside its block: ${detail}`);
  await page.close();
});

test("the Korean UI shows the server's sign-up errors translated, in Korean fonts", async () => {
  const takenEmail = `taken-${process.pid}-${Date.now()}@example.com`;
  const res = await fetch(h.base + "/api/auth/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: takenEmail, name: "Taken", password: PASSWORD }),
  });
  assert.equal(res.status, 201, await res.text());
  const page = await narrowPage();
  await page.goto(h.base + "/#/signup");
  await page.getByRole("combobox", { name: "Language" }).selectOption("ko");
  await page.getByRole("heading", { name: "회원가입" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "ko");

  const alert = page.locator('form [role="alert"]');
  await page.getByTestId("signup-email").fill(`ko-${process.pid}-${Date.now()}@example.com`);
  await page.getByTestId("signup-name").fill("김철수");
  await page.getByTestId("signup-password").fill("짧은암호");
  await page.getByTestId("signup-submit").click();
  await alert.waitFor();
  const short = await alert.textContent();
  assert.match(short, /비밀번호는 10자 이상/, short);
  assert.doesNotMatch(short, /must|characters/, short);

  await page.getByTestId("signup-email").fill(takenEmail);
  await page.getByTestId("signup-password").fill(PASSWORD);
  await page.getByTestId("signup-submit").click();
  await alert.filter({ hasText: "이미 이 이메일로 가입된 계정이 있습니다." }).waitFor();
  assert.doesNotMatch(await alert.textContent(), /already exists/);

  const fonts = await page.evaluate(() => {
    const code = document.body.appendChild(document.createElement("code"));
    const mono = getComputedStyle(code).fontFamily;
    code.remove();
    return { sans: getComputedStyle(document.body).fontFamily, mono };
  });
  for (const stack of [fonts.sans, fonts.mono]) assert.match(stack, /"Noto Sans CJK KR"/, JSON.stringify(fonts));
  assert.match(fonts.sans, /"Apple SD Gothic Neo", "Malgun Gothic"/, JSON.stringify(fonts));
  await page.close();
});
