/**
 * The call patterns schedulers use, each measured beside the reference floor (bench/floor.mjs,
 * see reference-floor.ts) in the same run, for several rounds (median and spread reported):
 * `resolveMany`, 100,000 `resolve` calls issued at once, 64 callers awaiting one `resolve` at
 * a time, serial `resolve` on its own and right after a 100,000-item batch, the phases of a
 * cold start, and the user-process heap during a 1,000,000-item `resolveMany`. The task and
 * its arguments are the scheduler's form (scheduler-task.ts): a customTask with a JS function
 * and two new TaskFile objects per item, with the resolver's default options.
 */
import { createResolver, type Resolver } from '../src/index.js';
import { childrenRssMiB, percentile, type Row, type Scenario } from './harness.js';
import { floorItemsPerSec, loadReferenceFloor } from './reference-floor.js';
import { schedulerArgs, schedulerRequests, schedulerTask as task } from './scheduler-task.js';

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Serial `resolve` latencies in µs, sorted; each call gets new files, as a scheduler's would. */
async function serial(resolver: Resolver, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const args = schedulerArgs(i);
    const t = performance.now();
    await resolver.resolve(task, args);
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

/** The user process's CPU time and GC time over `fn`, per item (µs) and per 100,000 items (ms). */
async function userCost<T>(items: number, fn: () => Promise<T>): Promise<{ cpuUsPerItem: number; gcMsPer100k: number; ms: number }> {
  const { PerformanceObserver } = await import('node:perf_hooks');
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  // GC entries are delivered on a later turn.
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  return { cpuUsPerItem: (used.user + used.system) / items, gcMsPer100k: (gcMs * 100_000) / items, ms };
}

/**
 * Throughput of the call patterns against the reference floor, over `rounds` rounds in one
 * resolver; each round measures the floor and every pattern back to back, with new requests.
 */
export async function callPatternsScenario(options: { quick: boolean; rounds: number }): Promise<Scenario> {
  const items = options.quick ? 10_000 : 100_000;
  const floorRun = await loadReferenceFloor();
  const resolver = createResolver();
  const perRound: Record<string, number[]> = { floor: [], many: [], all: [], callers: [], p50: [], p99: [], p50After: [], p99After: [], cpu: [], gc: [] };
  const serialCalls = options.quick ? 300 : 2000;
  try {
    await resolver.resolveMany(schedulerRequests(1000));
    floorRun(5000);
    for (let round = 0; round < options.rounds; round++) {
      perRound.floor!.push(floorItemsPerSec(floorRun, items));
      let requests = schedulerRequests(items);
      const cost = await userCost(items, () => resolver.resolveMany(requests));
      perRound.many!.push(items / (cost.ms / 1000));
      perRound.cpu!.push(cost.cpuUsPerItem);
      perRound.gc!.push(cost.gcMsPer100k);
      requests = schedulerRequests(items);
      perRound.all!.push(items / ((await timed(() => Promise.all(requests.map((r) => resolver.resolve(r.task, r.args))))) / 1000));
      const callers = 64;
      let next = 0;
      const caller = async () => {
        while (next < items) await resolver.resolve(task, schedulerArgs(next++));
      };
      perRound.callers!.push(items / ((await timed(() => Promise.all(Array.from({ length: callers }, caller)))) / 1000));
      const quiet = await serial(resolver, serialCalls);
      perRound.p50!.push(percentile(quiet, 50));
      perRound.p99!.push(percentile(quiet, 99));
      await resolver.resolveMany(schedulerRequests(items));
      const after = await serial(resolver, serialCalls);
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
    title: `Call patterns, ${items.toLocaleString('en')} items, customTask + 2 new TaskFiles per item, default options, ${options.rounds} rounds (median [min–max])`,
    rows: [
      row('reference floor (bench/floor.mjs): raw isolated-vm, one thread', floorOps, `ops/s ${spread(floorOps, 0)}`),
      row('resolveMany, one call', many, `x floor ${spread(ratio('many', floorOps))}; user CPU µs/item ${spread(perRound.cpu!)}, GC ms/100k ${spread(perRound.gc!, 0)}`),
      row('resolve x N, issued at once (Promise.all)', perRound.all!, `x resolveMany ${spread(ratio('all', many))}, x floor ${spread(ratio('all', floorOps))}`),
      row('resolve, 64 callers awaiting one at a time', perRound.callers!, `x resolveMany ${spread(ratio('callers', many))}, x floor ${spread(ratio('callers', floorOps))}`),
      row('serial resolve', [], `p50 µs ${spread(perRound.p50!, 0)}, p99 µs ${spread(perRound.p99!, 0)}`, perRound.p50, perRound.p99),
      row(`serial resolve right after a ${items.toLocaleString('en')}-item resolveMany`, [], `p50 µs ${spread(perRound.p50After!, 0)}, p99 µs ${spread(perRound.p99After!, 0)}`, perRound.p50After, perRound.p99After),
    ],
  };
}

/** The phases of a cold start as the sandbox process reports them (see StartPhases), over `runs` starts. */
export async function coldStartPhasesScenario(runs: number): Promise<Scenario> {
  const totals: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const resolver = createResolver();
    await resolver.resolve(task, schedulerArgs(i));
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
export async function memoryScenario(items: number): Promise<Scenario> {
  const resolver = createResolver();
  try {
    await resolver.resolveMany(schedulerRequests(1));
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
    const requests = schedulerRequests(items);
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
