/**
 * The call patterns schedulers use, each measured beside the one-thread floor in the same
 * run, for several rounds (median and spread reported): `resolveMany`, 100,000 `resolve`
 * calls issued at once, 64 callers awaiting one `resolve` at a time, serial `resolve` right
 * after a large batch, the phases of a cold start, and the user-process heap during a
 * 1,000,000-item `resolveMany`.
 */
import ivm from '../src/sandbox-worker/ivm.js';
import { createResolver, defineTask, type Resolver, type TaskFile } from '../src/index.js';
import { childrenRssMiB, percentile, type Row, type Scenario } from './harness.js';

const CPU = 'function allocateCpu({ files, ...kwargs }) { return Math.min(8, files.length); }';

/**
 * The floor: raw isolated-vm in this thread doing the same work as a batch (the batch as one
 * JSON string, files revived as objects, numbers out through shared memory) without a pool,
 * a process hop, validation or hardening.
 */
export function floor(source: string): (requests: readonly { args: { files: TaskFile[]; count: number } }[]) => Float64Array {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = isolate.createContextSync();
  const capacity = 4096;
  const shared = new SharedArrayBuffer(8 * capacity);
  const out = new Float64Array(shared);
  const setup = context.evalSync(
    `(function (shared) {
      const out = new Float64Array(shared);
      const fn = (${source});
      class File { constructor(path, name) { this.path = path; this.name = name; } size() { return 0; } }
      return function (json) {
        const jobs = JSON.parse(json);
        for (let i = 0; i < jobs.length; i++) {
          const [files, params] = jobs[i];
          const revived = [];
          for (const [path, name] of files) revived.push(new File(path, name));
          params.files = revived;
          out[i] = fn(params);
        }
      };
    })`,
    { reference: true },
  ) as ivm.Reference<(shared: unknown) => unknown>;
  const run = setup.applySync(undefined, [new ivm.ExternalCopy(shared).copyInto({ release: true })], { result: { reference: true } }) as unknown as ivm.Reference<(json: string) => void>;
  return (requests) => {
    const values = new Float64Array(requests.length);
    for (let start = 0; start < requests.length; start += capacity) {
      const end = Math.min(requests.length, start + capacity);
      let json = '[';
      for (let i = start; i < end; i++) {
        const { files, count } = requests[i]!.args;
        json += `${i > start ? ',' : ''}[[${files.map((f) => `[${JSON.stringify(f.path)},${JSON.stringify(f.name)}]`).join(',')}],{"count":${JSON.stringify(count)}}]`;
      }
      run.applySync(undefined, [`${json}]`], { timeout: 10_000 });
      values.set(out.subarray(0, end - start), start);
    }
    return values;
  };
}

const task = defineTask({ name: 'my_task', params: ['files', 'count'], resources: { cpu: CPU, memory: 8 } });

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Serial `resolve` latencies in µs, sorted. */
async function serial(resolver: Resolver, args: object, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await resolver.resolve(task, args as never);
    samples.push((performance.now() - t) * 1000);
  }
  return samples.sort((a, b) => a - b);
}

/** Median and [min–max] of a list. */
export function spread(values: number[], digits = 2): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(digits);
  return `${f(percentile(sorted, 50))} [${f(sorted[0]!)}–${f(sorted[sorted.length - 1]!)}]`;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/**
 * Throughput of the call patterns against the floor, over `rounds` rounds in one resolver;
 * each round measures the floor and every pattern back to back.
 */
export async function callPatternsScenario(files: TaskFile[], options: { quick: boolean; rounds: number }): Promise<Scenario> {
  const items = options.quick ? 10_000 : 100_000;
  const args = { files, count: 3 };
  const requests = Array.from({ length: items }, () => ({ task, args }));
  const floorRun = floor(CPU);
  const resolver = createResolver({ threads: 2 });
  const perRound: Record<string, number[]> = { floor: [], many: [], all: [], callers: [], p50: [], p99: [], p50After: [], p99After: [] };
  try {
    await resolver.resolveMany(requests.slice(0, 1000));
    floorRun(requests.slice(0, 1000));
    for (let round = 0; round < options.rounds; round++) {
      perRound.floor!.push(items / ((await timed(() => floorRun(requests))) / 1000));
      perRound.many!.push(items / ((await timed(() => resolver.resolveMany(requests))) / 1000));
      perRound.all!.push(items / ((await timed(() => Promise.all(requests.map((r) => resolver.resolve(r.task, r.args))))) / 1000));
      const callers = 64;
      let next = 0;
      const caller = async () => {
        while (next < items) {
          next++;
          await resolver.resolve(task, args);
        }
      };
      perRound.callers!.push(items / ((await timed(() => Promise.all(Array.from({ length: callers }, caller)))) / 1000));
      const quiet = await serial(resolver, args, options.quick ? 300 : 2000);
      perRound.p50!.push(percentile(quiet, 50));
      perRound.p99!.push(percentile(quiet, 99));
      await resolver.resolveMany(requests);
      const after = await serial(resolver, args, options.quick ? 300 : 2000);
      perRound.p50After!.push(percentile(after, 50));
      perRound.p99After!.push(percentile(after, 99));
    }
  } finally {
    await resolver.close();
  }
  const floorOps = perRound.floor!;
  const ratio = (key: string, base: number[]) => perRound[key]!.map((v, i) => v / base[i]!);
  const row = (name: string, ops: number[], note: string, p50: number[] = [], p99: number[] = []): Row => ({
    name,
    opsPerSec: median(ops),
    p50Us: p50.length ? median(p50) : NaN,
    p99Us: p99.length ? median(p99) : NaN,
    peakRssMiB: NaN,
    note,
  });
  const many = perRound.many!;
  return {
    title: `Call patterns, ${items.toLocaleString('en')} items, 2 threads, ${options.rounds} rounds (median [min–max])`,
    rows: [
      row('floor: raw isolated-vm, one thread, batch as JSON', floorOps, `ops/s ${spread(floorOps, 0)}`),
      row('resolveMany, one call', many, `x floor ${spread(ratio('many', floorOps))}`),
      row('resolve x N, issued at once (Promise.all)', perRound.all!, `x resolveMany ${spread(ratio('all', many))}, x floor ${spread(ratio('all', floorOps))}`),
      row('resolve, 64 callers awaiting one at a time', perRound.callers!, `x resolveMany ${spread(ratio('callers', many))}, x floor ${spread(ratio('callers', floorOps))}`),
      row('serial resolve', [], `p50 µs ${spread(perRound.p50!, 0)}, p99 µs ${spread(perRound.p99!, 0)}`, perRound.p50, perRound.p99),
      row(`serial resolve right after a ${items.toLocaleString('en')}-item resolveMany`, [], `p50 µs ${spread(perRound.p50After!, 0)}, p99 µs ${spread(perRound.p99After!, 0)}`, perRound.p50After, perRound.p99After),
    ],
  };
}

/** The phases of a cold start as the sandbox process reports them (see StartPhases), over `runs` starts. */
export async function coldStartPhasesScenario(files: TaskFile[], runs: number): Promise<Scenario> {
  const totals: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const resolver = createResolver({ threads: 2 });
    await resolver.resolve(task, { files, count: 1 });
    totals.push(performance.now() - t);
    const reported = (resolver as unknown as { supervisor?: { startPhases?: Record<string, number> } }).supervisor?.startPhases;
    for (const [name, ms] of Object.entries(reported ?? {})) (phases[name] ??= []).push(ms);
    await resolver.close();
  }
  const rows: Row[] = [{ name: 'createResolver to first result', opsPerSec: NaN, p50Us: median(totals) * 1000, p99Us: Math.max(...totals) * 1000, peakRssMiB: NaN, note: `ms ${spread(totals, 1)}` }];
  for (const [name, values] of Object.entries(phases)) {
    rows.push({ name: `  ${name}`, opsPerSec: NaN, p50Us: median(values) * 1000, p99Us: Math.max(...values) * 1000, peakRssMiB: NaN, note: `ms ${spread(values, 1)}` });
  }
  return { title: `Cold start by phase, ${runs} starts (ms since createResolver; p99 column: slowest)`, rows, latencyUnit: 'per start' };
}

/** The user process's heap during one large `resolveMany`, and the sandbox process's RSS. */
export async function memoryScenario(files: TaskFile[], items: number): Promise<Scenario> {
  const resolver = createResolver({ threads: 2 });
  const args = { files, count: 3 };
  try {
    await resolver.resolveMany([{ task, args }]);
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const base = process.memoryUsage().heapUsed;
    const sandboxBefore = childrenRssMiB();
    let peak = base;
    let sandboxPeak = sandboxBefore;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      sandboxPeak = Math.max(sandboxPeak, childrenRssMiB());
    };
    const timer = setInterval(sample, 50);
    const requests = Array.from({ length: items }, () => ({ task, args }));
    const inputBytes = process.memoryUsage().heapUsed - base;
    const t = performance.now();
    const pending = resolver.resolveMany(requests);
    sample();
    const outcomes = await pending;
    const elapsed = performance.now() - t;
    sample();
    clearInterval(timer);
    const outcomesHeld = outcomes.length;
    const added = peak - base - inputBytes;
    return {
      title: `Memory: one resolveMany of ${items.toLocaleString('en')} items`,
      rows: [
        {
          name: 'user-process heap above the requests array',
          opsPerSec: outcomesHeld / (elapsed / 1000),
          p50Us: NaN,
          p99Us: NaN,
          peakRssMiB: added / 1048576,
          note: `peak ${(added / 1048576).toFixed(0)} MiB = ${(added / items).toFixed(0)} B per item (results included)${gc ? '' : ', run with --expose-gc for a clean base'}`,
        },
        {
          name: 'sandbox process RSS',
          opsPerSec: NaN,
          p50Us: NaN,
          p99Us: NaN,
          peakRssMiB: sandboxPeak,
          note: `before ${sandboxBefore.toFixed(0)} MiB, peak ${sandboxPeak.toFixed(0)} MiB, after ${childrenRssMiB().toFixed(0)} MiB`,
        },
      ],
    };
  } finally {
    await resolver.close();
  }
}
