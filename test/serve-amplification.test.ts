/**
 * No answer is an amplified copy of its request (issue 18 §5). For each route, the worst request
 * found (the smallest item that fails with the longest problem; many specs with many problems)
 * is sent at sizes up to the body limit (--max-items raised so that the body limit binds), and:
 *
 * - to a client that accepts gzip, the bytes on the wire are at most K = ANSWER_RATIO (4) times
 *   the request's, plus COMPRESS_MIN_BYTES (16 KiB) for small requests (one problem object is
 *   ~250 bytes whatever the request);
 * - without gzip, the answer is at most twice the request plus 16 KiB of problem text, plus
 *   the fixed part of each outcome (FIXED_OUTCOME_BYTES: the problem object's type, title,
 *   status, code and instance, which the response shapes require, and a short detail). Before
 *   this, 37 times the request for `{"tool":{}}` items, 21 times for distinct unknown tasks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_RATIO, COMPRESS_MIN_BYTES, MIN_PROBLEM_CHARS, SHORT_DETAIL_CHARS } from '../src/service/answer-size.js';
import { post, serve, untilReady, type Served } from './helpers/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'taskres-serve-amplification-'));
const taskCount = 60;
const BODY_LIMIT = 1024 * 1024;
/** Bytes of one rejected outcome besides its detail, at most (measured: ~230). */
const FIXED_OUTCOME_BYTES = 300;
let server: Served;
beforeAll(async () => {
  const tasks = Array.from({ length: taskCount }, (_, i) => ({ name: `a_rather_long_task_name_for_the_pipeline_step_${i}`, params: [], resources: { cpu: 1, memory: 1 } }));
  tasks.push({ name: 'a', params: [], resources: { cpu: 1, memory: 1 } });
  writeFileSync(join(scratch, 'tasks.json'), JSON.stringify(tasks));
  server = await serve('--tasks', join(scratch, 'tasks.json'), '--threads', '1', '--max-items', '1000000', '--max-queue', '10000000', '--body-limit-bytes', String(BODY_LIMIT));
  await untilReady(server.url);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** POSTs `text` and returns the status, the bytes on the wire and the body as sent (decompressed). */
function postRaw(path: string, text: string, gzip: boolean): Promise<{ status: number; wireBytes: number; encoding: string | undefined; body: any }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...(gzip ? { 'accept-encoding': 'gzip' } : {}) };
    const req = request({ host: url.hostname, port: url.port, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const body = JSON.parse((encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
        resolve({ status: res.statusCode!, wireBytes: raw.length, encoding, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** The largest `count` (up to `most`) whose body stays under the body limit. */
function bodyOf(wrap: (count: number) => unknown, most: number): { text: string; count: number } {
  let count = most;
  let text = JSON.stringify(wrap(count));
  while (Buffer.byteLength(text) > BODY_LIMIT - 1024) {
    count = Math.floor(count * Math.min(0.99, (BODY_LIMIT - 1024) / Buffer.byteLength(text)));
    text = JSON.stringify(wrap(count));
  }
  return { text, count };
}

const items = (item: (i: number) => unknown) => (count: number) => ({ items: Array.from({ length: count }, (_, i) => item(i)) });
const routes: { name: string; path: string; wrap: (count: number) => unknown; items: boolean }[] = [
  { name: 'resolve-many, one unknown task', path: '/v1/resolve-many', wrap: items(() => ({ task: 'x', args: {} })), items: true },
  { name: 'resolve-many, distinct unknown tasks', path: '/v1/resolve-many', wrap: items((i) => ({ task: `x${i}`, args: {} })), items: true },
  { name: 'cwl resolve-many, empty tools', path: '/v1/cwl/resolve-many', wrap: items(() => ({ tool: {} })), items: true },
  { name: 'cwl resolve-many, distinct bad tools', path: '/v1/cwl/resolve-many', wrap: items((i) => ({ tool: { class: `C${i}` } })), items: true },
  { name: 'check, many empty specs', path: '/v1/check', wrap: (count) => ({ spec: Array.from({ length: count }, () => ({})) }), items: false },
];

describe('answers stay within a small multiple of their request', () => {
  for (const route of routes) {
    it(`${route.name}, up to the body limit`, async () => {
      for (const most of [1, 1000, 1_000_000]) {
        const { text, count } = bodyOf(route.wrap, most);
        const requestBytes = Buffer.byteLength(text);
        const zipped = await postRaw(route.path, text, true);
        // Checking 300,000 specs may pass --spec-check-timeout-ms: then the answer is one problem.
        if (zipped.status === 400 && !route.items) {
          expect(zipped.body.code).toBe('TASKRES_INVALID_SPEC');
          expect(zipped.wireBytes).toBeLessThan(2048);
          continue;
        }
        expect(zipped.status).toBe(200);
        expect(zipped.wireBytes).toBeLessThanOrEqual(ANSWER_RATIO * requestBytes + COMPRESS_MIN_BYTES);
        const plain = await postRaw(route.path, text, false);
        if (plain.status === 400 && !route.items && plain.body.code === 'TASKRES_INVALID_SPEC') continue;
        expect(plain.status).toBe(200);
        expect(plain.encoding).toBeUndefined();
        const perItem = route.items ? count * (FIXED_OUTCOME_BYTES + SHORT_DETAIL_CHARS) : 0;
        expect(plain.wireBytes).toBeLessThanOrEqual(2 * requestBytes + MIN_PROBLEM_CHARS + perItem + 1024);
        if (route.items) {
          expect(zipped.body.outcomes).toHaveLength(count);
          expect(plain.body.outcomes).toHaveLength(count);
          expect(plain.body.outcomes.every((outcome: { status: string; error: { code: string; type: string; instance: string } }) => outcome.status === 'rejected' && /^TASKRES_/.test(outcome.error.code) && outcome.error.type.length > 0 && outcome.error.instance.length > 0)).toBe(true);
        } else {
          expect(plain.body.ok).toBe(false);
          expect(plain.body.problems.length + plain.body.omitted).toBeGreaterThanOrEqual(count);
        }
      }
    }, 240_000);
  }
});

describe('POST /v1/resolve-many with 1,000 unknown-task items', () => {
  it('names a few loaded tasks and a count; past the budget, a repeated problem points at its first item', async () => {
    const body = { items: Array.from({ length: 1000 }, () => ({ task: 'x', args: {} })) };
    const answer = await post(`${server.url}/v1/resolve-many`, body);
    expect(answer.status).toBe(200);
    const outcomes = answer.body.outcomes as { status: string; error: { code: string; detail: string } }[];
    expect(outcomes).toHaveLength(1000);
    expect(outcomes.every((outcome) => outcome.status === 'rejected' && outcome.error.code === 'TASKRES_NOT_FOUND')).toBe(true);
    expect(outcomes[0]!.error.detail).toContain(`and ${taskCount + 1 - 5} more`);
    expect(outcomes[0]!.error.detail.length).toBeLessThan(600);
    expect(outcomes[999]!.error.detail).toBe('As for item 0.');
  }, 60_000);

  it('cuts distinct details past the budget', async () => {
    const body = { items: Array.from({ length: 1000 }, (_, i) => ({ task: `x${i}`, args: {} })) };
    const answer = await post(`${server.url}/v1/resolve-many`, body);
    const outcomes = answer.body.outcomes as { error: { detail: string } }[];
    expect(outcomes[0]!.error.detail.length).toBeGreaterThan(SHORT_DETAIL_CHARS);
    expect(outcomes[999]!.error.detail.length).toBeLessThanOrEqual(SHORT_DETAIL_CHARS);
    expect(outcomes[999]!.error.detail).toContain('x999');
  }, 60_000);
});

describe('ordinary answers', () => {
  it('are not compressed (a resolve-many of 1,000 fulfilled items is ~4 times its request)', async () => {
    const text = JSON.stringify({ items: Array.from({ length: 1000 }, () => ({ task: 'a', args: {} })) });
    const answer = await postRaw('/v1/resolve-many', text, true);
    expect(answer.status).toBe(200);
    expect(answer.encoding).toBeUndefined();
    expect(answer.body.outcomes.every((outcome: { status: string }) => outcome.status === 'fulfilled')).toBe(true);
  }, 60_000);
});
