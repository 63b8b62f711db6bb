/**
 * The resolver service under load: `taskres serve` in its own process, driven with autocannon
 * at 1, 16 and 64 connections (single resolves, POST /v1/resolve) and at 1 and 8 connections
 * (batches of 1,000, POST /v1/resolve-many: 8 x 1,000 stays under the default --max-queue),
 * beside `resolver.resolve` / `resolveMany` in this process with as many callers (each
 * awaiting one call at a time), measured in the same run. The ratio column is HTTP over
 * in-process at the same concurrency; single resolves are also given as a ratio to the
 * server's no-work route (GET /healthz at 64 connections, same process, same run), the
 * ceiling HTTP allows on the machine.
 *
 * The server runs in a child process so that the load generator does not share its event
 * loop; its logs (info level, the default) go to /dev/null.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { TaskFile, createResolver, defineTask, type Resolver } from '../src/index.js';
import { percentile, row, type Row, type Scenario } from './harness.js';

/** Connections (HTTP) and callers (in process) of each row. */
const CONCURRENCY = [1, 16, 64] as const;
const BATCH_CONCURRENCY = [1, 8] as const;
const BATCH = 1000;

const SPEC = {
  name: 'bench_task',
  params: ['files', 'count'],
  resources: {
    cpu: 'function allocateCpu({ files, count }) { return Math.min(8, files.length * count); }',
    memory: 8,
    storage: 'function allocateStorage({ files }) { return Math.ceil(files.reduce((total, file) => total + 1.5 * file.size(), 0) / 1024 ** 3); }',
  },
};
const FILES = [
  { $file: 's3://bench/reads_1.fq.gz', size: 3 * 1024 ** 3 },
  { $file: 's3://bench/reads_2.fq.gz', size: 3 * 1024 ** 3 },
];
const EXPECTED = { cpu: 2, memory: 8, storage: 9, gpu: 0 };

/** Options the benchmark's entry passes on. */
export interface ServeBenchOptions {
  /** Seconds each row runs (after a warm-up of a fifth of that). */
  seconds: number;
  /** Called before each row, for progress output. */
  onRow?: (label: string) => void;
}

/** Starts `taskres serve` on a free loopback port with the benchmark's task; resolves once it is ready. */
async function startServer(tasksFile: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const bin = fileURLToPath(new URL('../bin/taskres.js', import.meta.url));
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--tasks', tasksFile], { stdio: ['ignore', 'pipe', devNull] });
  closeSync(devNull);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = await Promise.race([
    new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve)),
    exited.then((code) => Promise.reject(new Error(`taskres serve exited with ${code} before listening`))),
  ]);
  const { listening: url } = JSON.parse(line) as { listening: string };
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) break;
    if (i > 400) throw new Error('taskres serve did not become ready within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs autocannon for `seconds`; latency per request from its own high-resolution timings. */
async function drive(url: string, body: string | undefined, connections: number, seconds: number, perRequest: number): Promise<Omit<Row, 'name' | 'peakRssMiB'>> {
  const latenciesMs: number[] = [];
  const request = body === undefined ? { method: 'GET' as const } : { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, ...request, connections, duration: seconds }, (error, found) => (error ? reject(error) : resolve(found)));
    // autocannon's own histogram counts whole milliseconds; its response event has the exact time.
    instance.on('response', (_client, status, _bytes, responseTimeMs) => {
      if (status === 200) latenciesMs.push(responseTimeMs);
    });
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${failed} of ${result.requests.total} requests to ${url} failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
  latenciesMs.sort((a, b) => a - b);
  return {
    opsPerSec: (latenciesMs.length * perRequest) / result.duration,
    p50Us: percentile(latenciesMs, 50) * 1000,
    p99Us: percentile(latenciesMs, 99) * 1000,
  };
}

/** `callers` loops, each awaiting one `call` at a time, for `seconds`. */
async function inProcess(call: () => Promise<unknown>, callers: number, seconds: number, perCall: number): Promise<Omit<Row, 'name' | 'peakRssMiB'>> {
  const latenciesUs: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await call();
      latenciesUs.push((performance.now() - t) * 1000);
    }
  };
  await Promise.all(Array.from({ length: callers }, loop));
  const elapsedS = (performance.now() - started) / 1000;
  latenciesUs.sort((a, b) => a - b);
  return { opsPerSec: (latenciesUs.length * perCall) / elapsedS, p50Us: percentile(latenciesUs, 50), p99Us: percentile(latenciesUs, 99) };
}

/** Checks one answer before timing anything: a benchmark of errors measures nothing. */
function expectResources(found: unknown, where: string): void {
  const same = typeof found === 'object' && found !== null && Object.keys(EXPECTED).every((k) => (found as Record<string, unknown>)[k] === EXPECTED[k as keyof typeof EXPECTED]);
  if (!same) throw new Error(`${where} answered ${JSON.stringify(found)}, expected ${JSON.stringify(EXPECTED)}`);
}

/** The two tables: single resolves, and batches of BATCH. */
export async function serveScenarios(options: ServeBenchOptions): Promise<Scenario[]> {
  const dir = mkdtempSync(join(tmpdir(), 'taskres-bench-serve-'));
  const tasksFile = join(dir, 'tasks.json');
  writeFileSync(tasksFile, JSON.stringify([SPEC]));
  const single = JSON.stringify({ task: SPEC.name, args: { files: FILES, count: 1 } });
  const many = JSON.stringify({ items: Array.from({ length: BATCH }, () => ({ task: SPEC.name, args: { files: FILES, count: 1 } })) });
  const task = defineTask(SPEC);
  const args = { files: FILES.map((f) => new TaskFile(f.$file, { size: f.size })), count: 1 };
  const requests = Array.from({ length: BATCH }, () => ({ task, args }));
  const singles: Row[] = [];
  const batches: Row[] = [];
  const warmUp = Math.max(0.5, options.seconds / 5);
  let floor: Row | undefined;
  try {
    const server = await startServer(tasksFile);
    try {
      const answer = await fetch(`${server.url}/v1/resolve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: single });
      expectResources(((await answer.json()) as { resources?: unknown }).resources, 'POST /v1/resolve');
      await drive(`${server.url}/v1/resolve`, single, 16, warmUp, 1);
      for (const connections of CONCURRENCY) {
        options.onRow?.(`serve: HTTP resolve, ${connections} connections`);
        singles.push(await row(`HTTP resolve, ${connections} conn.`, () => drive(`${server.url}/v1/resolve`, single, connections, options.seconds, 1)));
      }
      // What HTTP alone costs here: a route that does nothing, through the same hooks and logs.
      options.onRow?.('serve: HTTP floor, GET /healthz, 64 connections');
      floor = await row('HTTP floor: GET /healthz, 64 conn.', () => drive(`${server.url}/healthz`, undefined, 64, options.seconds, 1));
      for (const connections of BATCH_CONCURRENCY) {
        options.onRow?.(`serve: HTTP resolve-many, ${connections} connections`);
        batches.push(await row(`HTTP resolve-many x${BATCH}, ${connections} conn.`, () => drive(`${server.url}/v1/resolve-many`, many, connections, options.seconds, BATCH)));
      }
    } finally {
      await server.stop();
    }
    const resolver: Resolver = createResolver();
    try {
      expectResources(await resolver.resolve(task, args), 'resolver.resolve');
      await inProcess(() => resolver.resolve(task, args), 16, warmUp, 1);
      for (const callers of CONCURRENCY) {
        options.onRow?.(`serve: in-process resolve, ${callers} callers`);
        singles.push(await row(`in-process resolve, ${callers} callers`, () => inProcess(() => resolver.resolve(task, args), callers, options.seconds, 1)));
      }
      for (const callers of BATCH_CONCURRENCY) {
        options.onRow?.(`serve: in-process resolveMany, ${callers} callers`);
        batches.push(await row(`in-process resolveMany x${BATCH}, ${callers} callers`, () => inProcess(() => resolver.resolveMany(requests), callers, options.seconds, BATCH)));
      }
    } finally {
      await resolver.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      title: 'taskres serve: single resolves, HTTP beside in-process (resolutions/s; latency per request)',
      rows: [...paired(singles).map((r) => (floor && r.name.startsWith('HTTP') ? { ...r, note: `x GET /healthz ${(r.opsPerSec / floor.opsPerSec).toFixed(2)}` } : r)), ...(floor ? [{ ...floor, note: 'no resolution: the ceiling of HTTP here' }] : [])],
    },
    { title: `taskres serve: batches of ${BATCH}, HTTP beside in-process (resolutions/s; latency per batch)`, rows: paired(batches), latencyUnit: 'per batch' },
  ];
}

/** Orders rows HTTP then in-process per concurrency, with the HTTP row's ratio to its in-process twin. */
function paired(rows: Row[]): Row[] {
  const half = rows.length / 2;
  const out: Row[] = [];
  for (let i = 0; i < half; i++) {
    const http = rows[i]!;
    const local = rows[half + i]!;
    out.push({ ...http, ratio: http.opsPerSec / local.opsPerSec }, { ...local, ratio: 1 });
  }
  return out;
}
