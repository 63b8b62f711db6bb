/** `taskres serve` as an operator runs it: token, backpressure, shutdown; and files with a known size in the library and CLI. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TaskFile, createResolver, defineTask, hasErrorCode } from '../dist/index.js';
import { get, post, serve, untilReady } from './helpers/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'taskres-serve-ops-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const slow = { name: 'slow', params: ['n'], resources: { cpu: '({ n }) => { for (;;) {} }', memory: 1 } };

describe('bearer token', () => {
  it('guards /v1 routes (401 with WWW-Authenticate for a missing or wrong token), not the probes', async () => {
    const token = 'a'.repeat(20) + 'token-for-test';
    writeFileSync(join(scratch, 'token'), `${token}\n`);
    const server = await serve('--token-file', join(scratch, 'token'), '--tasks', 'examples/seed-tasks.json');
    try {
      for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${token}x` }, { authorization: `Bearer ${token.slice(1)}` }, { authorization: token }, { authorization: 'Bearer ' }]) {
        const response = await get(`${server.url}/v1/tasks`, headers);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="taskres"');
        expect(response.body.code).toBe('TASKRES_UNAUTHORIZED');
        expect(response.body.detail).not.toContain(token);
      }
      expect((await post(`${server.url}/v1/resolve`, { task: 'sort_reads', args: { reads: 1 } }, { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await get(`${server.url}/v1/tasks`, { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await post(`${server.url}/v1/resolve`, { task: 'sort_reads', args: { reads: 1 } }, { authorization: `bearer ${token}` })).status).toBe(200);
      expect((await get(`${server.url}/healthz`)).status).toBe(200);
      expect((await get(`${server.url}/metrics`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);

  it('refuses to start with a short token', async () => {
    writeFileSync(join(scratch, 'short'), 'abc');
    await expect(serve('--token-file', join(scratch, 'short'))).rejects.toThrow(/at least 16 characters/);
  });
});

const taskres = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [new URL('../bin/taskres.js', import.meta.url).pathname, ...args], { cwd: new URL('..', import.meta.url).pathname }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

describe('options', () => {
  it('serve --help says what every option does', async () => {
    const help = await taskres('serve', '--help');
    expect(help.code).toBe(0);
    for (const flag of ['host', 'port', 'tasks', 'files-root', 'token-file', 'threads', 'timeout-ms', 'memory-limit-mib', 'body-limit-bytes', 'max-items', 'request-timeout-ms', 'max-queue', 'log-level']) {
      expect(help.stdout).toMatch(new RegExp(`--${flag}(, -\\w)? VALUE +\\S`));
    }
    expect((await taskres('--help')).stdout).toContain('serve');
  });

  it('are validated before anything starts', async () => {
    await expect(serve('--max-items', 'many')).rejects.toThrow(/--max-items must be a whole number/);
    await expect(serve('--body-limit-bytes', '10')).rejects.toThrow(/bodyLimitBytes/);
    await expect(serve('--files-root', join(scratch, 'no-such-dir'))).rejects.toThrow(/--files-root/);
  });
});

describe('backpressure and shutdown', () => {
  it('answers 429 with Retry-After past --max-queue; on SIGTERM answers every request in flight and exits 0', async () => {
    const server = await serve('--max-queue', '4', '--timeout-ms', '600', '--threads', '2', '--log-level', 'warn');
    await untilReady(server.url);
    const started = performance.now();
    // Four slow evaluations fill the queue; the fifth request is refused at once.
    const inFlight = Array.from({ length: 4 }, (_, n) => post(`${server.url}/v1/resolve`, { task: slow, args: { n } }));
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      const response = await post(`${server.url}/v1/resolve`, { task: slow, args: { n: 9 } });
      if (response.status === 429) refused = response;
      else inFlight.push(Promise.resolve(response));
    }
    expect(refused?.body.code).toBe('TASKRES_OVERLOADED');
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(performance.now() - started).toBeLessThan(600);
    // SIGTERM with the slow requests still running: each is answered (422 after its timeout), then exit 0.
    server.child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    for (const answer of answers) expect(answer.body.code).toBe('TASKRES_TIMEOUT');
    expect(await server.exited).toBe(0);
  }, 60_000);
});

describe('files with a known size', () => {
  it('new TaskFile(uri, { size }) validates the size and round-trips through toJSON', () => {
    const file = new TaskFile('s3://bucket/reads.fq', { size: 1234 });
    expect(file.size).toBe(1234);
    expect(file.toJSON()).toEqual({ $file: 's3://bucket/reads.fq', size: 1234 });
    expect(new TaskFile('a.fq').toJSON()).toEqual({ $file: 'a.fq' });
    for (const size of [-1, 1.5, Number.NaN, '12', 2 ** 53]) {
      expect(() => new TaskFile('a', { size: size as number })).toThrow(expect.objectContaining({ code: 'TASKRES_INVALID_ARGS' }));
    }
    expect(() => new TaskFile('a', { bytes: 1 } as never)).toThrow(expect.objectContaining({ code: 'TASKRES_INVALID_ARGS' }));
  });

  it('size() returns it in the sandbox and no provider (single or batch) is ever asked for it', async () => {
    const task = defineTask({ name: 'sum', params: ['files'], resources: { cpu: '({ files }) => files.reduce((t, f) => t + f.size(), 0)', memory: 1 } });
    const asked: string[] = [];
    const single = createResolver({ threads: 1, fileSize: (file) => (asked.push(file.path), 100) });
    const batch = createResolver({ threads: 1, fileSizes: (files) => (asked.push(...files.map((f) => f.path)), files.map(() => 100)) });
    try {
      for (const resolver of [single, batch]) {
        const files = [new TaskFile('s3://b/known', { size: 3 }), new TaskFile('s3://b/unknown'), new TaskFile('s3://b/known2', { size: 4 })];
        expect((await resolver.resolve(task, { files })).cpu).toBe(107);
      }
      expect(asked).toEqual(['s3://b/unknown', 's3://b/unknown']);
      // The same path with and without a size: the given size is used where given.
      const mixed = [new TaskFile('s3://b/x', { size: 5 }), new TaskFile('s3://b/x')];
      expect((await single.resolve(task, { files: mixed })).cpu).toBe(105);
      const zero = await single.resolve(task, { files: [new TaskFile('/no/such/file', { size: 0 })] }).catch((error: unknown) => error);
      expect(hasErrorCode(zero, 'TASKRES_INVALID_VALUE')).toBe(true);
    } finally {
      await Promise.all([single.close(), batch.close()]);
    }
  }, 60_000);

  it('the CLI reads { "$file": uri, "size": bytes } from an args file and refuses a bad size', async () => {
    writeFileSync(join(scratch, 'args.json'), JSON.stringify({ files: [{ $file: 's3://bucket/a.fq', size: 2 * 1024 ** 3 }], count: 1 }));
    writeFileSync(join(scratch, 'bad-args.json'), JSON.stringify({ files: [{ $file: 'a.fq', size: '2GB' }], count: 1 }));
    const run = taskres;
    const ok = await run('resolve', 'examples/seed-tasks.json', '--task', 'my_task', '--args', join(scratch, 'args.json'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ cpu: 1, memory: 8, storage: 3, gpu: 0 });
    const bad = await run('resolve', 'examples/seed-tasks.json', '--task', 'my_task', '--args', join(scratch, 'bad-args.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("size in bytes");
  }, 60_000);
});

describe('draining (in process)', () => {
  /** Resolves with the raw answer once the server closes the connection. */
  function answer(socket: import('node:net').Socket): Promise<string> {
    return new Promise((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
  }

  it('turns /readyz to 503 and refuses new work with 503 TASKRES_CLOSED while answering what is in flight', async () => {
    const { startServer } = await import('../src/service/lifecycle.js');
    const { Writable } = await import('node:stream');
    const { connect } = await import('node:net');
    const server = await startServer({ port: 0, timeoutMs: 500, threads: 1 }, { logStream: new Writable({ write: (_chunk, _encoding, done) => done() }) });
    expect(await server.ready).toBe(true);
    expect((await get(`${server.url}/readyz`)).status).toBe(200);
    const http = server.app.server;
    // Node emits 'request' once a request's headers are parsed, and Fastify's listener (added
    // first) has run the onRequest check (draining or not) synchronously by the time ours runs:
    // a request seen here was admitted before draining.
    const seen = (id: string) => new Promise<void>((resolve) => {
      const onRequest = (request: import('node:http').IncomingMessage) => {
        if (request.headers['x-request-id'] !== id) return;
        http.off('request', onRequest);
        resolve();
      };
      http.on('request', onRequest);
    });

    // In flight: a slow evaluation, and a request whose body has not arrived yet.
    const slowSeen = seen('slow');
    const inFlight = post(`${server.url}/v1/resolve`, { task: slow, args: { n: 1 } }, { 'x-request-id': 'slow' });
    await slowSeen;
    const body = JSON.stringify({ task: { name: 'quick', params: [], resources: { cpu: '() => 2', memory: 1 } }, args: {} });
    const pending = connect(server.port, '127.0.0.1');
    const pendingAnswer = answer(pending);
    const pendingSeen = seen('pending');
    pending.write(`POST /v1/resolve HTTP/1.1\r\nHost: x\r\nX-Request-Id: pending\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    await pendingSeen;

    // Draining begins the moment this /readyz request is parsed, before Fastify handles it: it
    // and every request after it see a draining server. New work is sent through Fastify at the
    // same moment (its listening socket closes, so no new connection could carry it).
    let closed: Promise<void> | undefined;
    let refused: Promise<import('fastify').LightMyRequestResponse> | undefined;
    const trigger = (request: import('node:http').IncomingMessage) => {
      if (request.headers['x-request-id'] !== 'drain') return;
      http.off('request', trigger);
      closed = server.close();
      refused = server.app.inject({ method: 'POST', url: '/v1/resolve', payload: { task: slow, args: { n: 2 } } });
    };
    http.prependListener('request', trigger);
    const readiness = connect(server.port, '127.0.0.1');
    const ready = answer(readiness);
    readiness.write('GET /readyz HTTP/1.1\r\nHost: x\r\nX-Request-Id: drain\r\n\r\n');
    expect(await ready).toMatch(/^HTTP\/1\.1 503/);
    expect(closed).toBeDefined();

    const late = await refused!;
    expect(late.statusCode).toBe(503);
    expect(late.headers['retry-after']).toBe('5');
    expect(late.json().code).toBe('TASKRES_CLOSED');

    // What was in flight is answered: the body that arrives after draining began, and the slow one.
    pending.write(body);
    const pendingText = await pendingAnswer;
    expect(pendingText).toMatch(/^HTTP\/1\.1 200/);
    expect(pendingText).toMatch(/connection: close/i);
    expect(pendingText).toContain('"cpu":2');
    expect((await inFlight).body.code).toBe('TASKRES_TIMEOUT');
    await closed;
  }, 60_000);
});
