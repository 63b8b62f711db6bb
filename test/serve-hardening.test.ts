/**
 * What one caller can make `taskres serve` do to everyone else (issue 18, section 5), and how
 * it stops (issue 22): each a regression test against the real server process, called over
 * HTTP like any remote caller. Behaviour is asserted through events and sizes, not timings.
 */
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver, defineTask } from '../dist/index.js';
import { get, post, serve, untilReady, type Served } from './helpers/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'taskres-serve-hardening-'));
const tokens = ['tenant-a-token-0123456789abcdef', 'tenant-b-token-0123456789abcdef'];
const tokenFile = join(scratch, 'tokens');
const filesRoot = join(scratch, 'root');
const as = (token: string) => ({ authorization: `Bearer ${token}` });

let server: Served;
beforeAll(async () => {
  writeFileSync(tokenFile, `${tokens.join('\n')}\n`);
  mkdirSync(filesRoot);
  server = await serve('--token-file', tokenFile, '--files-root', filesRoot, '--threads', '2', '--request-timeout-ms', '10000');
  await untilReady(server.url);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const resolve = (body: unknown, token = tokens[0]!) => post(`${server.url}/v1/resolve`, body, as(token));

describe('work linear in the request', () => {
  const n = 52_000;
  const wide = { name: 'wide', params: Array.from({ length: n }, (_, i) => `p${i}`), resources: { cpu: 1, memory: 1 } };
  const unknownArgs = Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, 1]));

  it('52,000 params and 52,000 unknown args: a short message naming counts, from the library and over HTTP', async () => {
    const resolver = createResolver({ threads: 1 });
    try {
      const error = await resolver.resolve(defineTask(wide), unknownArgs).catch((e: Error) => e);
      expect((error as { code?: string }).code).toBe('TASKRES_INVALID_ARGS');
      expect((error as Error).message.length).toBeLessThan(1000);
      expect((error as Error).message).toMatch(/52000 of them: p0, p1, .*missing 'p0', .* and 51980 more; unknown 'a0', .*'a4' and 51995 more/);
    } finally {
      await resolver.close();
    }
    const answer = await resolve({ task: wide, args: unknownArgs });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('TASKRES_INVALID_ARGS');
    expect(answer.body.detail).toContain('52000 of them');
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it('240 deep missing paths under --files-root are each a 422 TASKRES_FILE_SIZE, well within the request timeout', async () => {
    const deep = `missing/${'d/'.repeat(2040)}`;
    const answer = await resolve({ task: { name: 'f', params: ['files'], resources: { cpu: 1, memory: 1 } }, args: { files: Array.from({ length: 240 }, (_, i) => ({ $file: `${deep}${i}` })) } });
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('TASKRES_FILE_SIZE');
    expect(answer.body.detail).toMatch(/^args\.files\[0\]: /);
  }, 60_000);

  it('a spec whose check passes --spec-check-timeout-ms is refused (checked in a worker thread), and the server goes on answering', async () => {
    const strict = await serve('--spec-check-timeout-ms', '1');
    try {
      await untilReady(strict.url);
      // About 200 KB of function source: parsing it takes far longer than 1 ms.
      const big = `({ n }) => { const table = [${Array.from({ length: 40_000 }, (_, k) => k).join(',')}]; return table.length > n ? 1 : 2; }`;
      const answer = await post(`${strict.url}/v1/resolve`, { task: { name: 'big', params: ['n'], resources: { cpu: big, memory: 1 } }, args: { n: 1 } });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('TASKRES_INVALID_SPEC');
      expect(answer.body.detail).toContain('took longer than 1 ms (--spec-check-timeout-ms)');
      expect((await get(`${strict.url}/healthz`)).status).toBe(200);
      expect((await post(`${strict.url}/v1/check`, { spec: { name: 'big', params: ['n'], resources: { cpu: big, memory: 1 } } })).body.code).toBe('TASKRES_INVALID_SPEC');
    } finally {
      await strict.stop();
    }
  }, 60_000);
});

describe('answers bounded by the request', () => {
  it('/v1/check of a spec with 70,000 unknown options answers at most twice the request, listing a few problems and counting the rest', async () => {
    const options = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`u${i}`, 1]));
    const body = JSON.stringify({ spec: [{ name: 'many', params: [], resources: { cpu: 1, memory: 1, ...options } }, { name: 'two', params: [], resources: { cpu: 1, memory: 1, disk: 1 } }] });
    const response = await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json', ...as(tokens[0]!) }, body });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text.length).toBeLessThan(2 * body.length);
    const answer = JSON.parse(text) as { ok: boolean; problems: { task: string }[]; omitted: number };
    expect(answer.ok).toBe(false);
    expect(answer.problems.filter((p) => p.task === 'many').length).toBeLessThanOrEqual(30);
    expect(answer.problems.filter((p) => p.task === 'two')).toHaveLength(1);
    expect(answer.problems.some((p) => /69980 more unknown resource options/.test((p as unknown as { message: string }).message))).toBe(true);
    expect(answer.omitted).toBeGreaterThanOrEqual(0);
    // Many small specs: capped per spec and in all, the rest counted.
    const small = JSON.stringify({ spec: Array.from({ length: 1000 }, () => ({ name: 'x', params: [], resources: { a: 1, b: 1, c: 1, d: 1, e: 1, f: 1 } })) });
    const many = await fetch(`${server.url}/v1/check`, { method: 'POST', headers: { 'content-type': 'application/json', ...as(tokens[0]!) }, body: small });
    const manyText = await many.text();
    expect(manyText.length).toBeLessThan(Math.max(2 * small.length, 64 * 1024) + 1024);
    expect((JSON.parse(manyText) as { omitted: number }).omitted).toBeGreaterThan(0);
  }, 60_000);
});

describe('callers (one per token) do not share what the server keeps', () => {
  const cacheCounts = async () => {
    const text = (await get(`${server.url}/metrics`)).body as string;
    const read = (result: string) => Number(new RegExp(`^taskres_inline_spec_cache_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { hit: read('hit'), miss: read('miss') };
  };

  it('the inline-spec cache answers from a spec only for the caller who sent it', async () => {
    const spec = { name: 'secret_pipeline', params: ['n'], resources: { cpu: '({ n }) => n + 1', memory: 2 } };
    const before = await cacheCounts();
    expect((await resolve({ task: spec, args: { n: 1 } }, tokens[0])).status).toBe(200);
    expect((await resolve({ task: spec, args: { n: 1 } }, tokens[0])).status).toBe(200);
    expect((await resolve({ task: spec, args: { n: 1 } }, tokens[1])).status).toBe(200);
    const after = await cacheCounts();
    expect({ hit: after.hit - before.hit, miss: after.miss - before.miss }).toEqual({ hit: 1, miss: 2 });
  });

  it('a caller with two large batches queued does not hold back another caller\'s single resolve: it is answered before the first batch', async () => {
    const work = { name: 'work', params: ['n'], resources: { cpu: '({ n }) => { let x = 0; for (let i = 0; i < 100000; i++) x += i % 7; return 1 + (x % 2); }', memory: 1 } };
    // Two batches of --max-items (1000) each.
    const batch = { items: Array.from({ length: 1000 }, (_, i) => ({ task: work, args: { n: i } })) };
    // B's inline spec checked (and cached for B) first: what is measured is the turn its
    // evaluation gets, not how long its spec check waits for a core (under load that raced
    // the first batch's 1,000 short evaluations, on main as well).
    expect((await resolve({ task: work, args: { n: 0 } }, tokens[1])).status).toBe(200);
    const order: string[] = [];
    const first = post(`${server.url}/v1/resolve-many`, batch, as(tokens[0]!)).then((r) => (order.push('A first batch'), r));
    const second = post(`${server.url}/v1/resolve-many`, batch, as(tokens[0]!)).then((r) => (order.push('A second batch'), r));
    // Both batches admitted: 2,000 resolutions counted in the queue.
    for (;;) {
      const depth = Number(/^taskres_queue_depth (\d+)$/m.exec((await get(`${server.url}/metrics`)).body as string)?.[1]);
      if (depth >= 2000) break;
      expect(order, 'a batch was answered before both were admitted').toEqual([]);
      await new Promise((r) => setImmediate(r));
    }
    const single = await resolve({ task: work, args: { n: 1 } }, tokens[1]);
    order.push('B single');
    expect(single.status).toBe(200);
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(order).toEqual(['B single', 'A first batch', 'A second batch']);
  }, 120_000);
});

describe('bodies over --body-limit-bytes', () => {
  /** POSTs `size` bytes with Node's http client, writing the whole body before reading; the status, or the error code. */
  const postOf = (size: number) =>
    new Promise<number | string>((resolve) => {
      const url = new URL(`${server.url}/v1/resolve`);
      const body = Buffer.alloc(size, 'a');
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, ...as(tokens[0]!) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.end(body);
    });

  it('always reach Node\'s http client as their 413 (20 of 2 MiB, 10 of 8 MiB), never EPIPE or ECONNRESET', async () => {
    const seen: (number | string)[] = [];
    for (let i = 0; i < 20; i++) seen.push(await postOf(2 * 1024 * 1024));
    for (let i = 0; i < 10; i++) seen.push(await postOf(8 * 1024 * 1024));
    expect(seen).toEqual(Array(30).fill(413));
  }, 120_000);
});

describe('request bodies refused for what they hold', () => {
  it('a "__proto__" key is named as what is refused, not called invalid JSON', async () => {
    const answer = await post(`${server.url}/v1/resolve`, '{"task":"x","args":{"__proto__":{"polluted":true}}}', as(tokens[0]!));
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('TASKRES_INVALID_ARGS');
    expect(answer.body.detail).toContain('"__proto__"');
    expect(answer.body.detail).not.toContain('not valid JSON');
    // Spelled with escapes, or as constructor.prototype, deep inside: refused and named too.
    for (const [text, named] of [
      ['{"task":"x","args":{"a":[{"\\u005f_proto__":{"polluted":true}}]}}', '"__proto__"'],
      ['{"task":"x","args":{"a":{"constructor":{"prototype":{"polluted":true}}}}}', '"constructor" with "prototype"'],
    ] as const) {
      const refused = await post(`${server.url}/v1/resolve`, text, as(tokens[0]!));
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toContain(named);
    }
    // Text that only mentions them is data.
    const fine = await resolve({ task: { name: 'proto_ok', params: ['note'], resources: { cpu: 1, memory: 1 } }, args: { note: 'the constructor of __proto__' } });
    expect(fine.status).toBe(200);
  });

  it('"previous" without "attempt" is a 400 that says attempt is required with it', async () => {
    const answer = await resolve({ task: { name: 't', params: [], resources: { cpu: 1, memory: 1 } }, args: {}, previous: { resources: { cpu: 1, memory: 1, storage: 1, gpu: 0 }, reason: 'oom' } });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('TASKRES_INVALID_ARGS');
    expect(answer.body.detail).toContain('body.attempt: is required with "previous"');
    expect(answer.body.detail).not.toContain('received undefined');
  });
});

describe('draining under repeated signals', () => {
  it('a second SIGTERM and a SIGINT during the drain are ignored: /readyz answers 503 while the port is open, the request in flight is answered, exit 0, one line at each end', async () => {
    const draining = await serve('--drain-delay-ms', '3000', '--timeout-ms', '20000', '--threads', '1');
    await untilReady(draining.url);
    const busy = { name: 'busy', params: [], resources: { cpu: '() => { const end = Date.now() + 1500; while (Date.now() < end) {} return 1; }', memory: 1 } };
    const inFlight = post(`${draining.url}/v1/resolve`, { task: busy, args: {} });
    for (;;) {
      if (/^taskres_queue_depth 1$/m.test((await get(`${draining.url}/metrics`)).body as string)) break;
      await new Promise((r) => setImmediate(r));
    }
    const started = new Promise<void>((resolve) => {
      const onData = () => {
        if (!draining.stderr().includes('"msg":"draining')) return;
        draining.child.stderr!.off('data', onData);
        resolve();
      };
      draining.child.stderr!.on('data', onData);
    });
    draining.child.kill('SIGTERM');
    await started;
    draining.child.kill('SIGTERM');
    draining.child.kill('SIGINT');
    const readiness = await get(`${draining.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(readiness.body).toEqual({ status: 'not ready' });
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.body.resources.cpu).toBe(1);
    expect(await draining.exited).toBe(0);
    const lines = draining.stderr().trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(lines.filter((line) => line.msg.startsWith('draining'))).toHaveLength(1);
    expect(lines.filter((line) => line.msg.startsWith('drained'))).toHaveLength(1);
  }, 60_000);
});
