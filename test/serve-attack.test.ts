/**
 * Attacks on `taskres serve` (round 3), each a regression test: the real server process on an
 * ephemeral loopback port, called with fetch like any remote caller.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, serve, untilReady, type Served } from './helpers/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'taskres-serve-attack-'));
const root = join(scratch, 'files-root-secret-name');
const TIMEOUT_MS = 300;

let server: Served;
beforeAll(async () => {
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(join(scratch, 'elsewhere'));
  writeFileSync(join(root, 'data', 'a.fq'), 'x'.repeat(5000));
  writeFileSync(join(scratch, 'elsewhere', 'a.fq'), 'y'.repeat(7777));
  server = await serve('--files-root', root, '--timeout-ms', String(TIMEOUT_MS), '--threads', '2', '--max-items', '1000');
  await untilReady(server.url);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const resolve = (body: unknown) => post(`${server.url}/v1/resolve`, body);
/** A task whose function shows what it can of a file: its path text in an error, or its size. */
const pathThrower = { name: 'show_path', params: ['f'], resources: { cpu: '({ f }) => { throw new Error("path=" + f.path + " name=" + f.name); }', memory: 1 } };
const sizer = { name: 'sizer', params: ['f'], resources: { cpu: '({ f }) => Math.min(126, Math.max(1, Math.ceil(f.size() / 100)))', memory: 1 } };

describe('files under --files-root', () => {
  it('never shows the host path of the root: not in an error, not to the function', async () => {
    for (const path of ['data/missing.fq', 'data', 'nothing/here']) {
      const response = await resolve({ task: sizer, args: { f: { $file: path } } });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('TASKRES_FILE_SIZE');
      expect(JSON.stringify(response.body)).not.toContain(scratch);
    }
    const shown = await resolve({ task: pathThrower, args: { f: { $file: 'data/a.fq' } } });
    expect(shown.body.code).toBe('TASKRES_FUNCTION_THREW');
    expect(shown.body.detail).toContain('path=data/a.fq');
    expect(JSON.stringify(shown.body)).not.toContain(scratch);
    expect((await resolve({ task: sizer, args: { f: { $file: 'data/a.fq' } } })).body.resources.cpu).toBe(50);
  });

  it('measures the file that was checked: a directory swapped for a symlink out of the root after the check measures nothing outside', async () => {
    // A writer inside the root swaps data2 between a real directory and a symlink to elsewhere,
    // as fast as it can, while requests for data2/a.fq arrive; every answer must be the inside
    // file's size (50) or a refusal, never the outside file's (78).
    mkdirSync(join(root, 'data2'));
    writeFileSync(join(root, 'data2', 'a.fq'), 'x'.repeat(5000));
    symlinkSync(join(scratch, 'elsewhere'), join(root, 'link-out'));
    let swapping = true;
    const swapper = (async () => {
      while (swapping) {
        renameSync(join(root, 'data2'), join(root, 'data2-real'));
        renameSync(join(root, 'link-out'), join(root, 'data2'));
        await new Promise((r) => setImmediate(r));
        renameSync(join(root, 'data2'), join(root, 'link-out'));
        renameSync(join(root, 'data2-real'), join(root, 'data2'));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const seen = new Set<string>();
    try {
      for (let round = 0; round < 20; round++) {
        const items = Array.from({ length: 50 }, () => ({ task: sizer, args: { f: { $file: 'data2/a.fq' } } }));
        const response = await post(`${server.url}/v1/resolve-many`, { items });
        for (const outcome of response.body.outcomes) seen.add(outcome.status === 'fulfilled' ? String(outcome.resources.cpu) : outcome.error.code);
      }
    } finally {
      swapping = false;
      await swapper;
    }
    expect(seen.has('78')).toBe(false);
    expect([...seen].every((s) => s === '50' || s === 'TASKRES_INVALID_ARGS' || s === 'TASKRES_FILE_SIZE')).toBe(true);
  }, 60_000);
});

describe('echoed text', () => {
  const huge = 'N'.repeat(900_000);
  it('an answer never repeats more than a short piece of a hostile name or message, in problems or in check results', async () => {
    const spec = { name: huge, params: ['a'], resources: { cpu: '({ b }) => 1', memory: 'x', storage: -1, gpu: 2.5 } };
    const resolved = await resolve({ task: spec, args: { a: 1 } });
    expect(resolved.status).toBe(400);
    expect(JSON.stringify(resolved.body).length).toBeLessThan(2000);
    const many = await post(`${server.url}/v1/resolve-many`, { items: [{ task: { ...spec, resources: { cpu: '({ a }) => { throw new Error("z".repeat(1e5)); }', memory: 1 }, name: 'M'.repeat(400_000) }, args: { a: 1 } }] });
    expect(JSON.stringify(many.body).length).toBeLessThan(2000);
    const checked = await post(`${server.url}/v1/check`, { spec });
    expect(checked.status).toBe(200);
    expect(checked.body.ok).toBe(false);
    for (const found of checked.body.problems) {
      expect(found.task.length).toBeLessThanOrEqual(200);
      expect(found.message.length).toBeLessThanOrEqual(1000);
    }
    expect(JSON.stringify(checked.body).length).toBeLessThan(10_000);
  });
});

describe('one request cannot hold the sandbox', () => {
  const endless = { name: 'endless', params: ['n'], resources: { cpu: '({ n }) => { for (;;) {} }', memory: 1 } };
  const quick = { name: 'quick', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } };
  const endlessItems = (count: number) => Array.from({ length: count }, (_, n) => ({ task: endless, args: { n } }));

  async function timedQuickResolve(): Promise<{ ms: number; status: number }> {
    const started = performance.now();
    const response = await resolve({ task: quick, args: { n: 3 } });
    expect(response.body.resources?.cpu).toBe(3);
    return { ms: performance.now() - started, status: response.status };
  }

  it('1000 endless functions in one resolve-many: the rest is not run after a few time out, and a request sent meanwhile is answered within seconds', async () => {
    // Before: the 1,000 evaluations of 300 ms each held both threads for 150 s, and every other
    // caller got 503 at its request timeout.
    const hostile = post(`${server.url}/v1/resolve-many`, { items: endlessItems(1000) });
    await new Promise((r) => setTimeout(r, 200));
    const other = await timedQuickResolve();
    expect(other.status).toBe(200);
    expect(other.ms).toBeLessThan(15 * TIMEOUT_MS + 3000);
    const answered = await hostile;
    expect(answered.status).toBe(200);
    const codes = answered.body.outcomes.map((o: any) => o.error.code);
    const timeouts = codes.filter((c: string) => c === 'TASKRES_TIMEOUT').length;
    expect(timeouts).toBeGreaterThanOrEqual(4);
    expect(timeouts).toBeLessThan(100);
    expect(codes.filter((c: string) => c === 'TASKRES_ABORTED').length).toBe(1000 - timeouts);
    const aborted = answered.body.outcomes.find((o: any) => o.error.code === 'TASKRES_ABORTED').error;
    expect(aborted).toMatchObject({ status: 429, title: 'Not run' });
    expect(aborted.detail).toMatch(/ran out of time or memory, so its remaining items were not run/);
  }, 60_000);
});

describe("resolveMany's per-item signal (what the service aborts with)", () => {
  it('an item whose signal is aborted is not run (TASKRES_ABORTED); a signal that is not an AbortSignal is TASKRES_INVALID_ARGS', async () => {
    const { createResolver, defineTask } = await import('../dist/index.js');
    const resolver = createResolver({ threads: 1, timeoutMs: 300 });
    try {
      const task = defineTask({ name: 'n', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
      const controller = new AbortController();
      controller.abort();
      const outcomes = await resolver.resolveMany([
        { task, args: { n: 2 } },
        { task, args: { n: 3 }, signal: controller.signal },
        { task, args: { n: 4 }, signal: 'no' as never },
      ]);
      expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { cpu: 2, memory: 1, storage: 500, gpu: 0 } });
      expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'TASKRES_ABORTED' } });
      expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: { code: 'TASKRES_INVALID_ARGS' } });
    } finally {
      await resolver.close();
    }
  });
});
