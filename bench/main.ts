/**
 * `npm run bench` / `taskres bench`: resolution throughput, latency and memory of taskres
 * against the baselines, all measured in the same run. Prints one table per scenario (or
 * JSON with --json). Run with `--no-node-snapshot` (the CLI does): the isolated-vm baseline
 * runs in this process.
 *
 * Flags: --json, --quick (fewer iterations, for a smoke run), --no-progress, --only NAME
 * (one group: patterns, cold, memory, classic, allocator, serve), --cold-node PATH (the Node
 * binary whose cold start is measured, e.g. Node 24's; default: this one).
 */
import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import { Allocator, TaskFile, createResolver, customTask, defineTask, smallTask, type Resources } from '../src/index.js';
import { direct, isolatePerEvaluation, nodeVm, quickjs, type Evaluate, type FileLike } from './baselines.js';
import { childrenRssMiB, row, timeEach, withRatios, type Row, type Scenario } from './harness.js';
import { callPatternsScenario, coldStartPhasesScenario, memoryScenario } from './patterns.js';
import { serveScenarios } from './serve.js';
import { coldStartScenario as newProcessColdStart } from './cold-start.js';

const ALLOCATE_CPU = 'function allocateCpu({ files, ...kwargs }) { return Math.min(8, files.length); }';
const ALLOCATE_STORAGE = 'function allocateStorage({ files, ...kwargs }) { return Math.floor(files.reduce((total, file) => total + 1.5 * file.size(), 0) / 1024 ** 3); }';

interface Options {
  json: boolean;
  only: string | undefined;
  quick: boolean;
  progress: boolean;
}

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, 'no-progress': { type: 'boolean', default: false }, only: { type: 'string' }, 'cold-node': { type: 'string' } },
  strict: true,
});
const options: Options = { json: values.json!, only: values.only, quick: values.quick!, progress: !values['no-progress'] && !values.json && process.stderr.isTTY === true };
const scale = options.quick ? 0.05 : 1;
const n = (count: number) => Math.max(10, Math.round(count * scale));

let bar: SingleBar | undefined;
function progress(label: string, total: number): (done: number) => void {
  if (!options.progress) {
    if (!options.json) process.stderr.write(`  ${label}...\n`);
    return () => undefined;
  }
  bar?.stop();
  bar = new SingleBar({ format: `  {label} [{bar}] {percentage}% {value}/{total}`, clearOnComplete: true, hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0, { label: label.padEnd(44) });
  return (done) => bar!.update(done);
}
function done(): void {
  bar?.stop();
  bar = undefined;
}

const seedTask = (storage: boolean) =>
  defineTask({ name: 'my_task', params: ['files', 'count'], resources: { cpu: ALLOCATE_CPU, memory: 8, ...(storage ? { storage: ALLOCATE_STORAGE } : {}) } });

function makeFiles(dir: string, count: number): TaskFile[] {
  return Array.from({ length: count }, (_, i) => {
    const path = join(dir, `input-${count}-${i}.fq`);
    writeFileSync(path, '');
    truncateSync(path, (i + 1) * 1024 * 1024);
    return new TaskFile(path);
  });
}

const hostFiles = (files: TaskFile[]): FileLike[] => files.map((f) => ({ path: f.path, name: f.name, size: () => statSync(f.path).size }));

/** Rows for one function evaluated by every baseline and by taskres. */
async function cpuScenario(files: TaskFile[]): Promise<Scenario> {
  const params = { files: hostFiles(files), count: 3 };
  const jsonParams = { files: files.map((f) => ({ path: f.path, name: f.name })), count: 3 };
  const seedFn = new Function(`return (${ALLOCATE_CPU})`)() as (p: Record<string, unknown>) => number;
  const rows: Row[] = [];
  const loop = async (name: string, evaluate: Evaluate, count: number, arg: Record<string, unknown>) => {
    const report = progress(`allocateCpu: ${name}`, count);
    rows.push(await row(name, async () => timeEach(count, () => evaluate(arg), report)));
    done();
  };
  await loop('direct call (unsafe)', direct(seedFn), n(2_000_000), params);
  await loop('node:vm, reused context (unsafe)', nodeVm(ALLOCATE_CPU), n(1_000_000), params);
  await loop('isolated-vm, new isolate per call', isolatePerEvaluation(ALLOCATE_CPU), n(400), jsonParams);
  const qjs = await quickjs(ALLOCATE_CPU);
  if (qjs) await loop('quickjs-emscripten, reused context', qjs, n(100_000), jsonParams);
  else rows.push({ name: 'quickjs-emscripten (not installed)', opsPerSec: NaN, p50Us: NaN, p99Us: NaN, peakRssMiB: NaN });
  const task = seedTask(false);
  rows.push(...(await taskresRows(task, { files, count: 3 }, 'allocateCpu', n(20_000), n(200_000))));
  return withRatios({ title: "Seed allocateCpu (two files, no size reads)", rows }, 'direct call (unsafe)');
}

/** taskres resolve one at a time, and resolveMany in batches of 2,000 with 4 batches in flight. */
async function taskresRows(task: unknown, args: Record<string, unknown>, label: string, single: number, many: number): Promise<Row[]> {
  const rows: Row[] = [];
  const resolver = createResolver({ threads: 2 });
  try {
    await resolver.resolve(task, args);
    let report = progress(`${label}: taskres resolve`, single);
    rows.push(await row('taskres resolve, one at a time', () => timeEach(single, () => resolver.resolve(task, args), report)));
    done();
    const batchSize = Math.min(2000, many);
    const batches = Math.max(1, Math.floor(many / batchSize));
    const requests = Array.from({ length: batchSize }, () => ({ task, args }));
    report = progress(`${label}: taskres resolveMany`, batches);
    rows.push(
      await row(`taskres resolveMany (batches of ${batchSize})`, async () => {
        const latencies: number[] = [];
        const started = performance.now();
        let next = 0;
        let failures = 0;
        const worker = async () => {
          while (next < batches) {
            next++;
            const t = performance.now();
            const outcomes = await resolver.resolveMany(requests);
            latencies.push((performance.now() - t) * 1000);
            failures += outcomes.filter((o) => o.status === 'rejected').length;
            report(latencies.length);
          }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
        if (failures > 0) throw new Error(`${failures} resolutions failed`);
        const elapsedS = (performance.now() - started) / 1000;
        latencies.sort((a, b) => a - b);
        return {
          opsPerSec: (batches * batchSize) / elapsedS,
          p50Us: latencies[Math.floor(latencies.length / 2)]!,
          p99Us: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!,
          note: 'latency per batch',
        };
      }),
    );
    done();
  } finally {
    await resolver.close();
  }
  return rows;
}

async function storageScenario(dir: string, count: number): Promise<Scenario> {
  const files = makeFiles(dir, count);
  const fn = new Function(`return (${ALLOCATE_STORAGE})`)() as (p: Record<string, unknown>) => number;
  const rows: Row[] = [];
  const report = progress(`allocateStorage x${count}: direct`, n(2000));
  rows.push(await row('direct call + fs.statSync (unsafe)', () => timeEach(n(2000), () => direct(fn)({ files: hostFiles(files), count: 1 }), report)));
  done();
  const singles = count >= 1000 ? n(300) : n(3000);
  rows.push(...(await taskresRows(seedTask(true), { files, count: 1 }, `allocateStorage x${count}`, singles, count >= 1000 ? n(4000) : n(40_000))));
  return withRatios({ title: `Seed allocateStorage over ${count} local files (size reads)`, rows }, 'direct call + fs.statSync (unsafe)');
}

async function mixScenario(files: TaskFile[]): Promise<Scenario> {
  const staticTask = smallTask(function align({ files }: { files: TaskFile[] }) {
    return files;
  });
  const dynamic = seedTask(true);
  const gpu = customTask({ cpu: '({ files }) => 4 * files.length', memory: 32, gpu: 1, gpuType: 'nvidia-a10g' })(function fold({ files }: { files: TaskFile[] }) {
    return files;
  });
  const resolver = createResolver({ threads: 2 });
  const total = n(200_000);
  const tasks = [staticTask, dynamic, gpu, staticTask];
  const requests = Array.from({ length: 2000 }, (_, i) => ({ task: tasks[i % tasks.length], args: { files } as Record<string, unknown> }));
  for (const r of requests) if (r.task === dynamic) r.args = { files, count: 1 };
  try {
    await resolver.resolveMany(requests.slice(0, 10));
    const report = progress('mix: taskres resolveMany', Math.ceil(total / 2000));
    const rows = [
      await row('taskres resolveMany, 1/2 static, 1/4 seed, 1/4 GPU', async () => {
        const measured = await timeEach(Math.ceil(total / 2000), () => resolver.resolveMany(requests), report);
        return { opsPerSec: measured.opsPerSec * 2000, p50Us: measured.p50Us, p99Us: measured.p99Us, note: 'latency per batch' };
      }),
    ];
    done();
    return { title: 'A mix of static and dynamic tasks', rows };
  } finally {
    await resolver.close();
  }
}

async function coldStartScenario(): Promise<Scenario> {
  const task = seedTask(false);
  const runs = options.quick ? 2 : 8;
  const report = progress('cold start', runs);
  const taskres = await row('taskres: createResolver to first result', async () => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const resolver = createResolver({ threads: 2 });
      await resolver.resolve(task, { files: [new TaskFile('/a'), new TaskFile('/b')], count: 1 });
      samples.push((performance.now() - t) * 1000);
      await resolver.close();
      report(i);
    }
    samples.sort((a, b) => a - b);
    return { opsPerSec: 1e6 / (samples.reduce((a, b) => a + b, 0) / runs), p50Us: samples[Math.floor(runs / 2)]!, p99Us: samples[runs - 1]!, note: 'p99 column: slowest start' };
  });
  done();
  const isolate = await row('isolated-vm: new isolate to first result', () => timeEach(runs * 5, () => isolatePerEvaluation(ALLOCATE_CPU)({ files: [], count: 1 })));
  return withRatios({ title: 'Cold start', rows: [isolate, taskres], latencyUnit: 'per start' }, 'isolated-vm: new isolate to first result');
}

async function allocatorScenario(): Promise<Scenario> {
  const rows: Row[] = [];
  for (const size of [100, 1000, 10_000]) {
    const nodes = Array.from({ length: size }, (_, i) => ({ name: `n${i}`, cpu: 32, memory: 128, storage: 2000, gpu: i % 10 === 0 ? 1 : 0, ...(i % 10 === 0 ? { gpuType: 'nvidia-a10g' } : {}) }));
    const allocator = new Allocator({ nodes });
    // Half full, so placements search for room.
    const held: ReturnType<Allocator['tryPlace']>[] = [];
    for (let i = 0; i < size * 4; i++) held.push(allocator.tryPlace({ cpu: 4, memory: 16, storage: 100, gpu: 0 }));
    const request: Resources = { cpu: 3, memory: 8, storage: 12, gpu: 0 };
    const count = n(size >= 10_000 ? 2000 : 20_000);
    const report = progress(`allocator tryPlace at ${size} nodes`, count);
    rows.push(
      await row(`tryPlace + release, ${size.toLocaleString('en')} nodes`, () =>
        timeEach(count, () => {
          const placement = allocator.tryPlace(request);
          if (placement) allocator.release(placement);
        }, report),
      ),
    );
    done();
  }
  return { title: 'Allocator placements', rows };
}

async function sustainedScenario(files: TaskFile[]): Promise<Scenario> {
  const total = n(1_000_000);
  const resolver = createResolver({ threads: 2 });
  const task = seedTask(false);
  const requests = Array.from({ length: 2000 }, () => ({ task, args: { files, count: 1 } }));
  // The resolver's footprint: its sandbox process, and this (user) process.
  const rss: string[] = [];
  const measure = () => `${childrenRssMiB().toFixed(0)} + ${(process.memoryUsage.rss() / 1048576).toFixed(0)}`;
  const report = progress('sustained: 1,000,000 resolutions', total);
  try {
    const result = await row(`taskres resolveMany, ${total.toLocaleString('en')} resolutions`, async () => {
      const started = performance.now();
      let resolved = 0;
      (globalThis as { gc?: () => void }).gc?.();
      rss.push(measure());
      while (resolved < total) {
        await Promise.all([resolver.resolveMany(requests), resolver.resolveMany(requests), resolver.resolveMany(requests), resolver.resolveMany(requests)]);
        resolved += 4 * requests.length;
        report(resolved);
        if (rss.length === 1 && resolved >= total / 2) rss.push(measure());
      }
      rss.push(measure());
      return { opsPerSec: resolved / ((performance.now() - started) / 1000), p50Us: NaN, p99Us: NaN, note: `RSS sandbox + user process, start / middle / end: ${rss.join(' / ')} MiB` };
    });
    done();
    return { title: 'Sustained load, 2 threads', rows: [result] };
  } finally {
    await resolver.close();
  }
}

function format(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function print(scenario: Scenario): void {
  const table = new Table({
    head: ['', 'ops/s', `p50 µs${scenario.latencyUnit ? ` (${scenario.latencyUnit})` : ''}`, 'p99 µs', 'RSS added MiB', 'x in-process', 'note'],
    style: { head: [], border: [] },
  });
  for (const r of scenario.rows) {
    table.push([r.name, format(r.opsPerSec), format(r.p50Us, r.p50Us < 10 ? 2 : 0), format(r.p99Us, r.p99Us < 10 ? 2 : 0), format(r.peakRssMiB), r.ratio === undefined ? '' : r.ratio >= 0.01 ? format(r.ratio, 2) : r.ratio.toExponential(1), r.note ?? '']);
  }
  process.stdout.write(`\n${scenario.title}\n${table.toString()}\n`);
}

async function main(): Promise<void> {
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  if (!options.json) process.stdout.write(`taskres benchmark on ${machine}${options.quick ? ' (quick)' : ''}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'taskres-bench-'));
  const scenarios: Scenario[] = [];
  const add = (scenario: Scenario) => {
    scenarios.push(scenario);
    if (!options.json) print(scenario);
  };
  try {
    const two = makeFiles(dir, 2);
    const wanted = (group: string) => options.only === undefined || options.only === group;
    if (wanted('patterns')) {
      const report = progress('call patterns beside the floor', 1);
      add(await callPatternsScenario({ quick: options.quick, rounds: 3 }));
      report(1);
      done();
    }
    if (wanted('cold')) {
      add(await newProcessColdStart(options.quick ? 3 : 8, values['cold-node']));
      add(await coldStartPhasesScenario(options.quick ? 3 : 8));
    }
    if (wanted('memory')) add(await memoryScenario(n(1_000_000)));
    if (wanted('classic')) {
      add(await cpuScenario(two));
      for (const count of [10, 100, 1000]) add(await storageScenario(dir, count));
      add(await mixScenario(two));
      add(await coldStartScenario());
    }
    if (wanted('allocator')) add(await allocatorScenario());
    if (wanted('classic')) add(await sustainedScenario(two));
    if (wanted('serve')) for (const scenario of await serveScenarios({ seconds: options.quick ? 1 : 5, onRow: (label) => progress(label, 1) })) add(scenario);
  } finally {
    done();
    rmSync(dir, { recursive: true, force: true });
  }
  if (options.json) process.stdout.write(`${JSON.stringify({ machine, date: new Date().toISOString(), quick: options.quick, scenarios }, null, 2)}\n`);
}

await main();
