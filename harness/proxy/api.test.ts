import { once } from "node:events";
import { createServer } from "node:net";
import { Toxiproxy } from "toxiproxy-node-client";
import { describe, expect } from "vitest";
import { test } from "./test-fixtures.ts";

// Raw HTTP against the API: status codes, headers and bodies as Toxiproxy 2.12 sends them.
async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const errorBody = (error: string, status: number) => `${JSON.stringify({ error, status })}\n`;

describe("HTTP API", () => {
  test("GET /version: exact body, content type and request id", async ({ server, toxiproxy }) => {
    const r = await call(server.url, "GET", "/version");
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"version": "2.12.0"}\n');
    expect(r.headers.get("content-type")).toBe("application/json;charset=utf-8");
    expect(r.headers.get("x-toxiproxy-request-id")).toMatch(/^[0-9a-v]{20}$/);
    expect(await toxiproxy.getVersion()).toBe('{"version": "2.12.0"}\n');
  });

  test("browser user agents get 403 on routed paths, with a request id", async ({ server }) => {
    const r = await call(server.url, "GET", "/version", undefined, { "User-Agent": "Mozilla/5.0 (X11)" });
    expect(r.status).toBe(403);
    expect(r.text).toBe("User agent not allowed\n");
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(r.headers.get("x-toxiproxy-request-id")).toMatch(/^[0-9a-v]{20}$/);
  });

  test("unknown paths 404 (trailing slash too), wrong methods 405 with empty body, no request id", async ({
    server,
  }) => {
    for (const path of ["/nope", "/proxies/", "/version/", "/metrics", "/proxies/a/toxics/b/c"]) {
      const r = await call(server.url, "GET", path);
      expect(r.status, path).toBe(404);
      expect(r.text).toBe("404 page not found\n");
      expect(r.headers.get("x-toxiproxy-request-id")).toBeNull();
    }
    for (const [method, path] of [
      ["PUT", "/proxies/x"],
      ["GET", "/reset"],
      ["DELETE", "/proxies"],
      ["GET", "/populate"],
    ] as const) {
      const r = await call(server.url, method, path);
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.text).toBe("");
      expect(r.headers.get("x-toxiproxy-request-id")).toBeNull();
    }
  });

  test("proxy create/get/list/delete with Toxiproxy's shapes (Logger quirk, sorted keys)", async ({
    server,
    echo,
  }) => {
    expect((await call(server.url, "GET", "/proxies")).text).toBe("{}");
    const created = await call(server.url, "POST", "/proxies", {
      name: "b",
      listen: "127.0.0.1:0",
      upstream: echo.address,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("content-type")).toBe("application/json");
    const b = JSON.parse(created.text);
    expect(created.text).toBe(
      `{"name":"b","listen":"${b.listen}","upstream":"${echo.address}","enabled":true,"Logger":{},"toxics":[]}`,
    );
    expect(b.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(b.listen).not.toBe("127.0.0.1:0");
    await call(server.url, "POST", "/proxies", {
      name: "a",
      listen: "127.0.0.1:0",
      upstream: echo.address,
      enabled: false,
    });
    const list = await call(server.url, "GET", "/proxies");
    expect(Object.keys(JSON.parse(list.text))).toEqual(["a", "b"]);
    expect(JSON.parse(list.text).a).toMatchObject({ listen: "127.0.0.1:0", enabled: false });
    expect((await call(server.url, "GET", "/proxies/b")).text).toBe(created.text);
    const del = await call(server.url, "DELETE", "/proxies/b");
    expect(del.status).toBe(204);
    expect(del.text).toBe("");
    const gone = await call(server.url, "GET", "/proxies/b");
    expect(gone.status).toBe(404);
    expect(gone.text).toBe(errorBody("proxy not found", 404));
    expect(gone.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(gone.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("bad proxy input: every error has Toxiproxy's status and body, and the server keeps serving", async ({
    server,
    echo,
  }) => {
    const cases: [unknown, number, string][] = [
      ["", 400, "bad request body: EOF"],
      [
        "{not json",
        400,
        "bad request body: invalid character 'n' looking for beginning of object key string",
      ],
      ['{"name":"x"', 400, "bad request body: unexpected EOF"],
      ["[1]", 400, "bad request body: json: cannot unmarshal array into Go value of type toxiproxy.Proxy"],
      [
        { name: 5, upstream: "x" },
        400,
        "bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string",
      ],
      [
        { name: "x", upstream: "u", enabled: "yes" },
        400,
        "bad request body: json: cannot unmarshal string into Go struct field Proxy.enabled of type bool",
      ],
      [{ upstream: "u" }, 400, "missing required field: name"],
      [{ name: "x" }, 400, "missing required field: upstream"],
      [
        { name: "x", upstream: "u", listen: "local373" },
        500,
        "listen tcp: address local373: missing port in address",
      ],
    ];
    for (const [body, status, message] of cases) {
      const r = await call(server.url, "POST", "/proxies", body);
      expect(r.status, message).toBe(status);
      expect(r.text).toBe(errorBody(message, status));
      expect((await call(server.url, "GET", "/version")).status).toBe(200);
    }
    // unknown fields ignored, keys matched case-insensitively, as Go's decoder does
    const ok = await call(server.url, "POST", "/proxies", {
      Name: "x",
      upstream: echo.address,
      listen: "127.0.0.1:0",
      extra: 1,
    });
    expect(ok.status).toBe(201);
    const dup = await call(server.url, "POST", "/proxies", {
      name: "x",
      upstream: echo.address,
      listen: "127.0.0.1:0",
    });
    expect(dup.status).toBe(409);
    expect(dup.text).toBe(errorBody("proxy already exists", 409));
  });

  test("port in use: 500 with the bind error text; the proxy is not added", async ({ server, echo }) => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await call(server.url, "POST", "/proxies", {
        name: "c",
        listen: `127.0.0.1:${port}`,
        upstream: echo.address,
      });
      expect(r.status).toBe(500);
      expect(r.text).toBe(errorBody(`listen tcp 127.0.0.1:${port}: bind: address already in use`, 500));
      expect((await call(server.url, "GET", "/proxies/c")).status).toBe(404);
    } finally {
      blocker.close();
    }
  });

  test("update: PATCH and POST merge fields; bad listen 500; name is ignored", async ({
    server,
    echo,
    toxiproxy,
  }) => {
    const p = await toxiproxy.createProxy({ name: "u", listen: "127.0.0.1:0", upstream: echo.address });
    const off = await call(server.url, "PATCH", "/proxies/u", { enabled: false, name: "renamed" });
    expect(off.status).toBe(200);
    expect(JSON.parse(off.text)).toMatchObject({ name: "u", listen: p.listen, enabled: false });
    const on = await p.update({ enabled: true, listen: p.listen, upstream: p.upstream }); // client uses POST
    expect(on).toMatchObject({ enabled: true, listen: p.listen });
    const bad = await call(server.url, "PATCH", "/proxies/u", { listen: "nonsense" });
    expect(bad.status).toBe(500);
    expect(bad.text).toBe(errorBody("address nonsense: missing port in address", 500));
    expect((await call(server.url, "PATCH", "/proxies/nope", {})).status).toBe(404);
    const typed = await call(server.url, "PATCH", "/proxies/u", { enabled: 1 });
    expect(typed.status).toBe(400);
  });

  test("toxics: create defaults, 200 status, list order, get, partial update, delete", async ({
    server,
    echo,
    toxiproxy,
  }) => {
    const proxy = await toxiproxy.createProxy({ name: "t", listen: "127.0.0.1:0", upstream: echo.address });
    const first = await call(server.url, "POST", "/proxies/t/toxics", { type: "latency" });
    expect(first.status).toBe(200);
    expect(first.text).toBe(
      '{"attributes":{"latency":0,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}',
    );
    const up = await call(server.url, "POST", "/proxies/t/toxics", {
      type: "latency",
      stream: "UPSTREAM",
      toxicity: 0.3,
    });
    expect(JSON.parse(up.text)).toMatchObject({
      name: "latency_UPSTREAM",
      stream: "UPSTREAM",
      toxicity: 0.3,
    });
    await proxy.addToxic({
      name: "nop",
      type: "noop" as never,
      stream: "downstream",
      toxicity: 5,
      attributes: {},
    });
    const list = JSON.parse((await call(server.url, "GET", "/proxies/t/toxics")).text);
    expect(list.map((t: { name: string }) => t.name)).toEqual([
      "latency_UPSTREAM",
      "latency_downstream",
      "nop",
    ]);
    expect(list[2]).toEqual({ attributes: {}, name: "nop", type: "noop", stream: "downstream", toxicity: 5 });
    const proxyJson = JSON.parse((await call(server.url, "GET", "/proxies/t")).text);
    expect(proxyJson.toxics).toEqual(list);

    const toxic = await proxy.addToxic({
      name: "lat",
      type: "latency",
      stream: "upstream",
      toxicity: 0.5,
      attributes: { latency: 100, jitter: 10 },
    });
    const updated = await toxic.update({ attributes: { jitter: 3 } } as never); // POST, partial merge
    expect(updated).toMatchObject({ attributes: { latency: 100, jitter: 3 }, toxicity: 0.5 });
    const patched = await call(server.url, "PATCH", "/proxies/t/toxics/lat", {
      toxicity: 1,
      name: "x",
      stream: "downstream",
    });
    expect(JSON.parse(patched.text)).toMatchObject({
      name: "lat",
      stream: "upstream",
      toxicity: 1,
      attributes: { latency: 100, jitter: 3 },
    });
    expect((await proxy.getToxic("lat")).attributes).toEqual({ latency: 100, jitter: 3 });
    await toxic.remove();
    const gone = await call(server.url, "GET", "/proxies/t/toxics/lat");
    expect(gone.status).toBe(404);
    expect(gone.text).toBe(errorBody("toxic not found", 404));
    expect((await call(server.url, "DELETE", "/proxies/t/toxics/lat")).status).toBe(404);
    expect((await call(server.url, "GET", "/proxies/zz/toxics")).status).toBe(404);
  });

  test("bad toxic input: validation order and Toxiproxy's messages; crashes become 400", async ({
    server,
    echo,
    toxiproxy,
  }) => {
    await toxiproxy.createProxy({ name: "v", listen: "127.0.0.1:0", upstream: echo.address });
    await call(server.url, "POST", "/proxies/v/toxics", {
      name: "same",
      type: "latency",
      stream: "upstream",
    });
    const cases: [unknown, number, string][] = [
      ["{", 400, "bad request body: unexpected EOF"],
      [
        { type: "latency", stream: "sideways" },
        400,
        "stream was invalid, can be either upstream or downstream",
      ],
      [{ type: "down" }, 400, "invalid toxic type"],
      [{ stream: "upstream" }, 400, "invalid toxic type"],
      [{ name: "same", type: "noop", stream: "downstream" }, 409, "toxic already exists"],
      [
        { type: "latency", attributes: { latency: "100" } },
        400,
        "bad request body: json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64",
      ],
      [
        { type: "latency", toxicity: "1" },
        400,
        "bad request body: json: cannot unmarshal string into Go struct field ToxicWrapper.toxicity of type float32",
      ],
      [
        { type: "bandwidth", attributes: { rate: -1 } },
        400,
        "invalid toxic attributes: bandwidth rate must be >= 0, got -1",
      ],
      [
        { type: "slicer", attributes: { average_size: 0 } },
        400,
        "invalid toxic attributes: slicer average_size must be >= 1, got 0",
      ],
      [
        { type: "slicer", attributes: { average_size: 10, size_variation: 10 } },
        400,
        "invalid toxic attributes: slicer size_variation must be >= 0 and < average_size (10), got 10",
      ],
      [
        { type: "latency", attributes: { jitter: -5 } },
        400,
        "invalid toxic attributes: latency jitter must be >= 0, got -5",
      ],
      [
        { type: "timeout", attributes: { timeout: -1 } },
        400,
        "invalid toxic attributes: timeout timeout must be >= 0, got -1",
      ],
      [
        { type: "limit_data", attributes: { bytes: 1.5 } },
        400,
        "bad request body: json: cannot unmarshal number 1.5 into Go struct field LimitDataToxic.attributes.bytes of type int64",
      ],
    ];
    for (const [body, status, message] of cases) {
      const r = await call(server.url, "POST", "/proxies/v/toxics", body);
      expect(r.status, message).toBe(status);
      expect(r.text).toBe(errorBody(message, status));
    }
    const upd = await call(server.url, "PATCH", "/proxies/v/toxics/same", { attributes: { latency: -1 } });
    expect(upd.status).toBe(400);
    expect(
      JSON.parse((await call(server.url, "GET", "/proxies/v/toxics/same")).text).attributes.latency,
    ).toBe(0);
    // the server is still serving, and only the one good toxic exists
    expect(JSON.parse((await call(server.url, "GET", "/proxies/v/toxics")).text)).toHaveLength(1);
  });

  test("populate: create, keep identical (enabled untouched), replace differing, 400 before anything", async ({
    server,
    echo,
    toxiproxy,
  }) => {
    const empty = await call(server.url, "POST", "/populate", []);
    expect(empty.status).toBe(201);
    expect(empty.text).toBe('{"proxies":null}');
    const first = await toxiproxy.populate([
      { name: "p1", listen: "127.0.0.1:0", upstream: echo.address },
      { name: "p2", listen: "127.0.0.1:0", upstream: echo.address, enabled: false },
    ]);
    expect(first.p1?.enabled).toBe(true);
    expect(first.p2).toMatchObject({ enabled: false, listen: "127.0.0.1:0" });
    await first.p1?.addToxic({
      name: "keep",
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 1, jitter: 0 },
    });
    const port = first.p1?.listen.split(":")[1];
    const again = await call(server.url, "POST", "/populate", [
      { name: "p1", listen: `localhost:${port}`, upstream: echo.address, enabled: false },
      { name: "p2", listen: "127.0.0.1:0", upstream: "127.0.0.1:1" },
    ]);
    expect(again.status).toBe(201);
    const [p1, p2] = JSON.parse(again.text).proxies;
    expect(p1).toMatchObject({ listen: `127.0.0.1:${port}`, enabled: true, toxics: [{ name: "keep" }] });
    expect(p2).toMatchObject({ upstream: "127.0.0.1:1", enabled: true });

    const bad = await call(server.url, "POST", "/populate", [
      { name: "p9", upstream: "x:1" },
      { upstream: "x:1" },
    ]);
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('{"error":"missing required field: name at proxy 2","status":400,"proxies":null}');
    expect(bad.headers.get("content-type")).toBe("application/json");
    expect((await call(server.url, "GET", "/proxies/p9")).status).toBe(404);

    const notArray = await call(server.url, "POST", "/populate", { name: "x" });
    expect(notArray.status).toBe(400);
    expect(JSON.parse(notArray.text).error).toMatch(
      /^bad request body: json: cannot unmarshal object into Go value/,
    );

    const partial = await call(server.url, "POST", "/populate", [
      { name: "p3", listen: "127.0.0.1:0", upstream: echo.address },
      { name: "p4", listen: "nonsense", upstream: echo.address },
    ]);
    expect(partial.status).toBe(500);
    const partialBody = JSON.parse(partial.text);
    expect(partialBody.error).toBe("listen tcp: address nonsense: missing port in address");
    expect(partialBody.proxies.map((p: { name: string }) => p.name)).toEqual(["p3"]);
    expect((await call(server.url, "GET", "/proxies/p3")).status).toBe(200); // no rollback
  });

  test("reset: 204, proxies stay (enabled, same port), toxics go", async ({ server, echo, toxiproxy }) => {
    const p = await toxiproxy.createProxy({ name: "r", listen: "127.0.0.1:0", upstream: echo.address });
    await p.addToxic({
      name: "l",
      type: "latency",
      stream: "upstream",
      toxicity: 1,
      attributes: { latency: 5, jitter: 0 },
    });
    await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
    const r = await call(server.url, "POST", "/reset");
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(await toxiproxy.get("r")).toMatchObject({ enabled: true, listen: p.listen });
    expect((await call(server.url, "GET", "/proxies/r/toxics")).text).toBe("[]");
    await toxiproxy.reset();
  });

  test("client errors: toxiproxy-node-client sees the status codes", async ({ server, echo }) => {
    const client = new Toxiproxy(server.url);
    await client.createProxy({ name: "e", listen: "127.0.0.1:0", upstream: echo.address });
    await expect(
      client.createProxy({ name: "e", listen: "127.0.0.1:0", upstream: echo.address }),
    ).rejects.toThrow("Request failed with status code 409");
    await expect(client.get("missing")).rejects.toThrow("Request failed with status code 404");
    expect(Object.keys(await client.getAll())).toEqual(["e"]);
    await (await client.get("e")).remove();
    expect(await client.getAll()).toEqual({});
  });
});
