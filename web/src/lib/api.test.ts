import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError } from "./api";

function answer(res: Response) {
  const fetch = vi.fn(() => Promise.resolve(res));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("REST client", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("deletes a room whether the server answers 204 No Content or 200 with JSON", async () => {
    const fetch = answer(new Response(null, { status: 204 }));
    await expect(api.deleteRoom("r1")).resolves.toBeUndefined();
    expect(fetch).toHaveBeenCalledWith("/api/rooms/r1", expect.objectContaining({ method: "DELETE" }));
    answer(new Response(JSON.stringify({ ok: true, id: "r1" }), { status: 200, headers: { "content-type": "application/json" } }));
    await expect(api.deleteRoom("r1")).resolves.toEqual({ ok: true, id: "r1" });
    answer(new Response("", { status: 200 }));
    await expect(api.deleteRoom("r1")).resolves.toBeUndefined();
  });

  it("reads the error object, with or without the top-level message and statusCode", async () => {
    const body = { error: { code: "validation_failed", message: "name must not be empty", details: { field: "name" } }, message: "name must not be empty", statusCode: 422 };
    answer(new Response(JSON.stringify(body), { status: 422 }));
    const err = await api.createRoom(" ").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: "validation_failed", details: { field: "name" } });
    answer(new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    await expect(api.createRoom("x")).rejects.toMatchObject({ code: "http_502" });
  });
});
