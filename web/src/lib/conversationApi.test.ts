import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { conversationApi } from "./conversationApi";

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function answer(...responses: Response[]) {
  const fetch = vi.fn(() => Promise.resolve(responses.shift() ?? json({}, 500)));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("conversation REST calls", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("searches with the query, cursor and limit, cancellably", async () => {
    const fetch = answer(json({ results: [{ messageId: "m" }], nextBefore: "c2" }));
    const ctrl = new AbortController();
    const page = await conversationApi.search({ q: "안녕 world", before: "c1", limit: 20 }, ctrl.signal);
    expect(page).toEqual({ results: [{ messageId: "m" }], nextBefore: "c2" });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    const params = new URL(url, "http://x").searchParams;
    expect(url.startsWith("/api/search?")).toBe(true);
    expect([params.get("q"), params.get("before"), params.get("limit")]).toEqual(["안녕 world", "c1", "20"]);
    expect(init.signal).toBe(ctrl.signal);
  });

  it("reads a missing cursor as the last page", async () => {
    answer(json({ results: [] }));
    await expect(conversationApi.search({ q: "x" })).resolves.toEqual({ results: [], nextBefore: null });
  });

  it("asks for history around a seq and for a question's answers", async () => {
    const fetch = answer(json({ messages: [{ id: "a" }] }), json({ messages: [{ id: "b" }] }));
    await expect(conversationApi.around("r 1", 42)).resolves.toEqual([{ id: "a" }]);
    await expect(conversationApi.replies("r", "q/1")).resolves.toEqual([{ id: "b" }]);
    expect(fetch.mock.calls.map((c) => (c as unknown as [string])[0])).toEqual([
      "/api/rooms/r%201/messages?around=42&limit=50",
      "/api/rooms/r/messages/q%2F1/replies",
    ]);
  });

  it("creates share links with or without an expiry, and revokes them", async () => {
    const share = { id: "s", token: "t" };
    const fetch = answer(json({ share }, 201), json({ share }, 201), new Response(null, { status: 204 }));
    await conversationApi.createShare("r", null);
    await conversationApi.createShare("r", 24);
    await conversationApi.revokeShare("r", "s");
    const calls = fetch.mock.calls as unknown as [string, RequestInit][];
    expect(calls.map(([url, init]) => [init.method, url, init.body ?? null])).toEqual([
      ["POST", "/api/rooms/r/shares", "{}"],
      ["POST", "/api/rooms/r/shares", '{"expiresInHours":24}'],
      ["DELETE", "/api/rooms/r/shares/s", null],
    ]);
  });

  it("says 401 when a snapshot wants a signed-in reader, and 404 for a link that is gone", async () => {
    answer(json({ error: { code: "unauthorized", message: "sign in" } }, 401));
    const err = await conversationApi.snapshot("tok").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401 });
    answer(json({ error: { code: "not_found", message: "gone" } }, 404));
    await expect(conversationApi.snapshot("tok")).rejects.toMatchObject({ status: 404, code: "not_found" });
  });

  it("exports a file with the server's Content-Disposition", async () => {
    answer(new Response("# Room", { status: 200, headers: { "content-disposition": 'attachment; filename="Room.md"' } }));
    const { blob, disposition } = await conversationApi.exportRoom("r", "md");
    expect(await blob.text()).toBe("# Room");
    expect(disposition).toBe('attachment; filename="Room.md"');
  });
});
