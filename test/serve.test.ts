/** `taskres serve`: the real server process on an ephemeral loopback port, called with fetch. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, serve, untilReady, type Served } from './helpers/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'taskres-serve-'));
const root = join(scratch, 'root');
const TIMEOUT_MS = 400;
/** An argument value and a function text that must never reach the logs. */
const SECRET_ARG = 'secret-argument-value-7f3a';
const SECRET_SOURCE = 'secretFunctionMarker';

const hostileSpecs = [
  { name: 'endless', params: ['n'], resources: { cpu: '({ n }) => { for (;;) {} }', memory: 1 } },
  { name: 'bomb', params: ['n'], resources: { cpu: '({ n }) => { const keep = []; for (;;) keep.push(new Array(1e6).fill(n)); }', memory: 1 } },
  { name: 'thrower', params: ['n'], resources: { cpu: '({ n }) => { throw new Error("no " + n); }', memory: 1 } },
  { name: 'sizer', params: ['file'], resources: { cpu: `function ${SECRET_SOURCE}({ file }) { return Math.max(1, Math.ceil(file.size() / 1000)); }`, memory: 1 } },
];

let server: Served;
beforeAll(async () => {
  mkdirSync(join(root, 'data'), { recursive: true });
  writeFileSync(join(root, 'data', 'a.fq'), 'x'.repeat(5000));
  writeFileSync(join(scratch, 'outside.txt'), 'y'.repeat(3000));
  symlinkSync(join(scratch, 'outside.txt'), join(root, 'leak'));
  symlinkSync(join(scratch, 'missing.txt'), join(root, 'leak-missing'));
  symlinkSync(scratch, join(root, 'up'));
  symlinkSync(join(root, 'data', 'a.fq'), join(root, 'inside-link'));
  writeFileSync(join(scratch, 'hostile.json'), JSON.stringify(hostileSpecs));
  server = await serve(
    '--tasks', 'examples/seed-tasks.json', '--tasks', join(scratch, 'hostile.json'),
    '--files-root', root, '--timeout-ms', String(TIMEOUT_MS), '--threads', '2',
    '--body-limit-bytes', '65536', '--max-items', '50',
  );
  await untilReady(server.url);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const resolve = (body: unknown, headers?: Record<string, string>) => post(`${server.url}/v1/resolve`, body, headers);
const file = (path: string, size?: number) => (size === undefined ? { $file: path } : { $file: path, size });

function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: `https://github.com/taskres/taskres/blob/main/docs/errors.md#${code.toLowerCase()}` });
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.detail).toBe('string');
  expect(response.body.instance).toBe(response.headers.get('x-request-id'));
}

describe('starting', () => {
  it('prints its address as one JSON line, binds loopback, and is up and ready', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Measured, not promised by this assertion alone: the README says under a second on an idle machine.
    expect(server.startMs).toBeLessThan(5000);
    expect(await get(`${server.url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get(`${server.url}/readyz`)).toMatchObject({ status: 200 });
  });
});

describe('POST /v1/resolve', () => {
  it('resolves a loaded task by name, with a file of known size (no lookup)', async () => {
    const response = await resolve({ task: 'my_task', args: { files: [file('s3://bucket/a.fq', 3 * 1024 ** 3)], count: 1 } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ resources: { cpu: 1, memory: 8, storage: 4, gpu: 0 }, warnings: [] });
  });

  it('resolves an inline spec, and keeps gpuType', async () => {
    const spec = { name: 'inline', params: ['n'], resources: { cpu: '({ n }) => n * 2', memory: 4, gpu: 1, gpuType: 'nvidia-a10g' } };
    expect((await resolve({ task: spec, args: { n: 3 } })).body).toEqual({ resources: { cpu: 6, memory: 4, storage: 500, gpu: 1, gpuType: 'nvidia-a10g' }, warnings: [] });
  });

  it('passes the retry context (attempt, previous) to the resolver and validates its shape', async () => {
    const ok = await resolve({ task: 'sort_reads', args: { reads: 1 }, attempt: 2, previous: { resources: { cpu: 4, memory: 16, storage: 500, gpu: 0 }, reason: 'oom', peak: { memory: 15.5 } } });
    expect(ok.status).toBe(200);
    const growing = { name: 'growing', params: ['n'], resources: { cpu: 2, memory: 8 }, retry: { on: ['oom'], memory: { factor: 2, max: 32 }, maxAttempts: 3 } };
    const previous = (memory: number) => ({ resources: { cpu: 2, memory, storage: 500, gpu: 0 }, reason: 'oom' });
    expect((await resolve({ task: growing, args: { n: 1 }, attempt: 2, previous: previous(8) })).body.resources.memory).toBe(16);
    const many = await post(`${server.url}/v1/resolve-many`, { items: [{ task: growing, args: { n: 1 } }, { task: growing, args: { n: 1 }, attempt: 3, previous: previous(16) }] });
    expect(many.body.outcomes.map((o: any) => o.resources.memory)).toEqual([8, 32]);
    expectProblem(await resolve({ task: growing, args: { n: 1 }, attempt: 4, previous: previous(32) }), 422, 'TASKRES_RETRY_EXHAUSTED');
    expectProblem(await resolve({ task: growing, args: { n: 1 }, previous: previous(8) }), 400, 'TASKRES_INVALID_ARGS');
    const seen = { name: 'seen', params: ['n'], resources: { cpu: '({ n }, { attempt }) => attempt', memory: 1 } };
    expect((await resolve({ task: seen, args: { n: 1 }, attempt: 3 })).body.resources.cpu).toBe(3);
    const bad = await resolve({ task: 'sort_reads', args: { reads: 1 }, attempt: 0, previous: { resources: { cpu: 1, memory: 1, storage: 1, gpu: 0 }, reason: 'sunspots' } });
    expectProblem(bad, 400, 'TASKRES_INVALID_ARGS');
    expect(bad.body.detail).toContain('body.attempt');
    expect(bad.body.detail).toContain('body.previous.reason');
  });

  it('answers 404 for a task name that was not loaded, naming the loaded ones', async () => {
    const response = await resolve({ task: 'nope', args: {} });
    expectProblem(response, 404, 'TASKRES_NOT_FOUND');
    expect(response.body.detail).toContain('my_task');
  });

  it('answers 400 for malformed JSON, unknown fields, a wrong content type and an empty body', async () => {
    const broken = await resolve('{"task": "my_task", ');
    expectProblem(broken, 400, 'TASKRES_INVALID_ARGS');
    expect(broken.body.detail).toContain('not valid JSON');
    const unknown = await resolve({ task: 'sort_reads', args: { reads: 1 }, color: 'red' });
    expectProblem(unknown, 400, 'TASKRES_INVALID_ARGS');
    expect(unknown.body.detail).toContain("unknown field 'color'");
    expectProblem(await resolve('task=x', { 'content-type': 'text/plain' }), 415, 'TASKRES_UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await resolve(''), 400, 'TASKRES_INVALID_ARGS');
    expectProblem(await resolve('[1,2]'), 400, 'TASKRES_INVALID_ARGS');
    expectProblem(await resolve('{"task":"sort_reads","args":{"__proto__":{"x":1}}}'), 400, 'TASKRES_INVALID_ARGS');
  });

  it('answers 400 with the definition code for bad inline specs', async () => {
    const unserializable = await resolve({ task: { name: 'bad', params: [], resources: { cpu: '() => MAX_CPU', memory: 1 } }, args: {} });
    expectProblem(unserializable, 400, 'TASKRES_UNSERIALIZABLE');
    expect(unserializable.body).toMatchObject({ taskName: 'bad', resource: 'cpu' });
    expectProblem(await resolve({ task: { name: 'sig', params: ['a'], resources: { cpu: '({ b }) => 1', memory: 1 } }, args: { a: 1 } }), 400, 'TASKRES_SIGNATURE');
    expectProblem(await resolve({ task: { name: 'spec', params: [], resources: { cpu: 1, mem: 2 } }, args: {} }), 400, 'TASKRES_INVALID_SPEC');
    expectProblem(await resolve({ task: { params: [], resources: {} }, args: {} }), 400, 'TASKRES_INVALID_SPEC');
    // Several problems: the detail names the service's way to list them, not the library's or the CLI's.
    const several = await resolve({ task: { name: 'several', params: ['a'], resources: { cpu: '({ b }) => 1', memory: 1, mem: 2 } }, args: { a: 1 } });
    expectProblem(several, 400, 'TASKRES_INVALID_SPEC');
    expect(several.body.detail).toContain('(and 1 more problem: TASKRES_SIGNATURE; POST the spec to /v1/check to list them all)');
    expect(several.body.detail).not.toContain('taskres check');
  });

  it('answers 400, never 500, for bodies nested 30,000 levels deep in args, a spec or the retry context', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expectProblem(await resolve(`{"task":"sort_reads","args":{"reads":${deep(30_000)}}}`), 400, 'TASKRES_INVALID_ARGS');
    expectProblem(await resolve(`{"task":{"name":"x","params":[],"resources":{"cpu":1,"memory":1,"junk":${deep(30_000)}}},"args":{}}`), 400, 'TASKRES_INVALID_SPEC');
    expectProblem(await resolve(`{"task":"sort_reads","args":{"reads":1},"previous":{"resources":{},"reason":"oom","peak":${deep(30_000)}}}`), 400, 'TASKRES_INVALID_ARGS');
    expect((await post(`${server.url}/v1/check`, `{"spec":{"name":"x","params":[],"resources":{"cpu":${deep(30_000)},"memory":1}}}`)).body.ok).toBe(false);
  });

  it('answers 400 for args that do not match the task', async () => {
    const response = await resolve({ task: 'sort_reads', args: { reads: 1, extra: 2 } });
    expectProblem(response, 400, 'TASKRES_INVALID_ARGS');
    expect(response.body.taskName).toBe('sort_reads');
  });

  it('answers 413 for a body over --body-limit-bytes', async () => {
    const response = await resolve({ task: 'sort_reads', args: { reads: 'x'.repeat(70_000) } });
    expectProblem(response, 413, 'TASKRES_TOO_LARGE');
    expect(response.body.detail).toContain('65536');
  });

  it('answers 422 for functions that throw, with their message', async () => {
    const response = await resolve({ task: 'thrower', args: { n: 5 } });
    expectProblem(response, 422, 'TASKRES_FUNCTION_THREW');
    expect(response.body).toMatchObject({ taskName: 'thrower', resource: 'cpu' });
    expect(response.body.detail).toContain('no 5');
  });

  it('stops an endless function with 422 TASKRES_TIMEOUT within timeoutMs plus slack, while other requests succeed and /healthz stays up', async () => {
    const started = performance.now();
    const endless = resolve({ task: 'endless', args: { n: 1 } }).then((r) => ({ ...r, ms: performance.now() - started }));
    const others = Array.from({ length: 20 }, (_, i) => resolve({ task: { name: 'quick', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } }, args: { n: (i % 8) + 1 } }));
    const health = await get(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const answers = await Promise.all(others);
    answers.forEach((answer, i) => expect(answer.body.resources?.cpu, JSON.stringify(answer.body)).toBe((i % 8) + 1));
    const timedOut = await endless;
    expectProblem(timedOut, 422, 'TASKRES_TIMEOUT');
    expect(timedOut.body).toMatchObject({ taskName: 'endless', resource: 'cpu' });
    expect(timedOut.ms).toBeLessThan(TIMEOUT_MS + 3000);
  });

  it('stops a memory bomb with 422 TASKRES_MEMORY_LIMIT and keeps serving', async () => {
    const response = await resolve({ task: 'bomb', args: { n: 1 } });
    expectProblem(response, 422, 'TASKRES_MEMORY_LIMIT');
    expect((await resolve({ task: 'sort_reads', args: { reads: 1 } })).status).toBe(200);
  });
});

describe('files', () => {
  const sizer = (path: string, size?: number) => resolve({ task: 'sizer', args: { file: file(path, size) } });

  it('reads a size-less path inside --files-root, relative, absolute, file: URL, or through a symlink that stays inside', async () => {
    for (const path of ['data/a.fq', join(root, 'data', 'a.fq'), `file://${join(root, 'data', 'a.fq')}`, 'inside-link', './data/a.fq']) {
      const response = await sizer(path);
      expect(response.body, path).toEqual({ resources: { cpu: 5, memory: 1, storage: 500, gpu: 0 }, warnings: [] });
    }
  });

  it('uses a given size without looking at the file', async () => {
    expect((await sizer('/etc/shadow', 12_000)).body.resources.cpu).toBe(12);
  });

  it('refuses "..", absolute paths outside the root, other URL schemes and symlinks leading out, with one message whether the target exists or not', async () => {
    const refused = ['../outside.txt', 'data/../../outside.txt', '/etc/passwd', '/etc/no-such-file', join(scratch, 'outside.txt'), 'file:///etc/passwd', 's3://bucket/a.fq', 'leak', 'leak-missing', 'up/outside.txt', 'up/missing.txt'];
    const details = new Set<string>();
    for (const path of refused) {
      const response = await sizer(path);
      expectProblem(response, 400, 'TASKRES_INVALID_ARGS');
      expect(response.body.detail).not.toContain(path.replace(/^.*\//, '') || path);
      details.add(response.body.detail);
    }
    expect([...details].filter((d) => d.includes('files root'))).toHaveLength(1);
  });

  it('a missing file inside the root is the function\'s TASKRES_FILE_SIZE (422)', async () => {
    expectProblem(await sizer('data/missing.fq'), 422, 'TASKRES_FILE_SIZE');
  });

  it('refuses malformed file objects', async () => {
    expectProblem(await resolve({ task: 'sizer', args: { file: { $file: 'a', size: -1 } } }), 400, 'TASKRES_INVALID_ARGS');
    expectProblem(await resolve({ task: 'sizer', args: { file: { $file: 'a', size: 1, mode: 'r' } } }), 400, 'TASKRES_INVALID_ARGS');
    expectProblem(await resolve({ task: 'sizer', args: { file: { $file: '' } } }), 400, 'TASKRES_INVALID_ARGS');
  });
});

describe('POST /v1/resolve-many', () => {
  it('answers every item in input order, each fulfilled or rejected on its own', async () => {
    const response = await post(`${server.url}/v1/resolve-many`, {
      items: [
        { task: 'sort_reads', args: { reads: 1 } },
        { task: 'nope', args: {} },
        { task: 'thrower', args: { n: 1 } },
        { task: 'my_task', args: { files: [file('x', 1024 ** 3), file('y', 1024 ** 3)], count: 2 }, attempt: 1 },
        { task: { name: 'bad', params: [], resources: { cpu: '() => x', memory: 1 } }, args: {} },
      ],
    });
    expect(response.status).toBe(200);
    const outcomes = response.body.outcomes;
    expect(outcomes.map((o: any) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected']);
    expect(outcomes[0].resources).toEqual({ cpu: 4, memory: 16, storage: 500, gpu: 0 });
    expect(outcomes[1].error).toMatchObject({ status: 404, code: 'TASKRES_NOT_FOUND' });
    expect(outcomes[2].error).toMatchObject({ status: 422, code: 'TASKRES_FUNCTION_THREW', taskName: 'thrower' });
    expect(outcomes[3]).toEqual({ status: 'fulfilled', resources: { cpu: 2, memory: 8, storage: 3, gpu: 0 }, warnings: [] });
    expect(outcomes[4].error).toMatchObject({ status: 400, code: 'TASKRES_UNSERIALIZABLE' });
  });

  it('answers 413 past --max-items and 400 for a bad item shape', async () => {
    const items = Array.from({ length: 51 }, () => ({ task: 'sort_reads', args: { reads: 1 } }));
    expectProblem(await post(`${server.url}/v1/resolve-many`, { items }), 413, 'TASKRES_TOO_LARGE');
    const bad = await post(`${server.url}/v1/resolve-many`, { items: [{ task: 'sort_reads', args: { reads: 1 } }, { task: 'sort_reads' }] });
    expectProblem(bad, 400, 'TASKRES_INVALID_ARGS');
    expect(bad.body.detail).toContain('body.items[1].args');
  });
});

describe('POST /v1/check', () => {
  it('reports every problem of every spec, like taskres check', async () => {
    const good = await post(`${server.url}/v1/check`, { spec: hostileSpecs[3] });
    expect(good).toMatchObject({ status: 200, body: { ok: true, problems: [] } });
    const bad = await post(`${server.url}/v1/check`, {
      spec: [
        { name: 'two', params: ['a'], resources: { cpu: '() => LIMIT', memory: '({ b }) => 1' } },
        { name: 'fine', params: [], resources: { cpu: 1, memory: 1 } },
        { params: [] },
      ],
    });
    expect(bad.status).toBe(200);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.problems).toEqual([
      expect.objectContaining({ task: 'two', code: 'TASKRES_UNSERIALIZABLE', resource: 'cpu' }),
      expect.objectContaining({ task: 'two', code: 'TASKRES_SIGNATURE', resource: 'memory' }),
      expect.objectContaining({ task: null, code: 'TASKRES_INVALID_SPEC' }),
    ]);
  });

  it('answers 400 when spec is missing', async () => {
    expectProblem(await post(`${server.url}/v1/check`, { specs: [] }), 400, 'TASKRES_INVALID_ARGS');
  });
});

describe('GET routes', () => {
  it('/v1/tasks lists the loaded tasks as specs', async () => {
    const response = await get(`${server.url}/v1/tasks`);
    expect(response.status).toBe(200);
    expect(response.body.tasks.map((t: any) => t.name)).toEqual(['my_task', 'sort_reads', 'fold', 'endless', 'bomb', 'thrower', 'sizer']);
    expect(response.body.tasks[2]).toEqual({ name: 'fold', params: ['sequence'], resources: { cpu: 8, memory: 32, gpu: 1, gpuType: 'nvidia-a10g' } });
  });

  it('/v1/openapi.json is a valid OpenAPI 3.1 document with every route', async () => {
    const response = await get(`${server.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(Object.keys(response.body.paths).sort()).toEqual(['/healthz', '/metrics', '/readyz', '/v1/check', '/v1/cwl/resolve', '/v1/cwl/resolve-many', '/v1/openapi.json', '/v1/resolve', '/v1/resolve-many', '/v1/tasks']);
    const validator = new Validator();
    const result = await validator.validate(response.body);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(response.body.components.schemas.ResolveBody.additionalProperties).toBe(false);
  });

  it('unknown routes are 404 problems', async () => {
    expectProblem(await get(`${server.url}/v2/resolve`), 404, 'TASKRES_NOT_FOUND');
  });

  it('/metrics has evaluations by outcome, latency, queue depth, sandbox restarts and process memory', async () => {
    const response = await get(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    const text = response.body as string;
    expect(text).toMatch(/^taskres_evaluations_total\{outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^taskres_evaluations_total\{outcome="TASKRES_TIMEOUT"\} [1-9]/m);
    expect(text).toMatch(/^taskres_resolution_duration_seconds_count\{route="\/v1\/resolve"\} [1-9]/m);
    expect(text).toMatch(/^taskres_queue_depth 0$/m);
    expect(text).toMatch(/^taskres_sandbox_restarts_total \d+$/m);
    expect(text).toMatch(/^# TYPE taskres_sandbox_restarts_total counter$/m);
    expect(text).toMatch(/^taskres_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^taskres_http_responses_total\{route="\/v1\/resolve",status="422"\} [1-9]/m);
  });
});

describe('logs', () => {
  it('are JSON lines with a request id, without argument values or function source', async () => {
    await resolve({ task: 'sizer', args: { file: file(SECRET_ARG, 1) } }, { 'x-request-id': 'trace-abc-123' });
    await resolve({ task: { name: 'leaky', params: ['s'], resources: { cpu: `({ s }) => { throw new Error(s); }`, memory: 1 } }, args: { s: SECRET_ARG } });
    const lines = server.stderr().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line.reqId === 'trace-abc-123' && line.status === 200)).toBe(true);
    expect(lines.some((line) => line.code === 'TASKRES_FUNCTION_THREW')).toBe(true);
    expect(server.stderr()).not.toContain(SECRET_ARG);
    expect(server.stderr()).not.toContain(SECRET_SOURCE);
  });
});
