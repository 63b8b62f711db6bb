/**
 * Memory verdicts rest on what each evaluation itself allocated, read inside the timed call:
 * never on garbage its neighbours left, and never on whether V8 collected a value before the
 * host looked. And an evaluation's headroom does not depend on its batch neighbours' data.
 * Real sandboxes throughout (memoryLimitMiB 32).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver, defineTask, type Resolver } from '../dist/index.js';
import { judgeEvaluationMemory, type HeapReadings } from '../src/sandbox-worker/memory-verdict.js';

const MiB = 1024 * 1024;
let resolver: Resolver;

beforeAll(() => {
  // Generous time: a 200 MB string takes a while to build on a busy machine, and the verdict
  // asked for is the memory limit, not a timeout.
  resolver = createResolver({ threads: 2, timeoutMs: 8000, memoryLimitMiB: 32, limits: { storage: { min: 0, max: 1_000_000 } } });
});
afterAll(async () => {
  await resolver.close();
});

const task = (name: string, cpu: string) => defineTask({ name, params: ['n'], resources: { cpu, memory: 1 } });
const outcomeOf = (settled: PromiseSettledResult<{ cpu: number }>): number | string =>
  settled.status === 'fulfilled' ? settled.value.cpu : (settled.reason as { code: string }).code;

describe('judgeEvaluationMemory', () => {
  const limit = 32 * MiB;
  const cases: [string, Omit<HeapReadings, 'limitBytes'>, ReturnType<typeof judgeEvaluationMemory>][] = [
    ['small growth on a clean heap', { beforeBytes: 2 * MiB, afterBytes: 10 * MiB, floorBytes: 2 * MiB, firstInIsolate: false, baselineOwn: true }, 'within'],
    ['growth over the limit, whatever was there before', { beforeBytes: 30 * MiB, afterBytes: 230 * MiB, floorBytes: 2 * MiB, firstInIsolate: false, baselineOwn: true }, 'over'],
    ['small growth on a heap full of earlier garbage: not decided here', { beforeBytes: 26 * MiB, afterBytes: 35 * MiB, floorBytes: 2 * MiB, firstInIsolate: false, baselineOwn: true }, 'unsure'],
    ['the same readings first in a fresh isolate: its own', { beforeBytes: 26 * MiB, afterBytes: 35 * MiB, floorBytes: 2 * MiB, firstInIsolate: true, baselineOwn: true }, 'over'],
    ['a collection during it freed earlier garbage', { beforeBytes: 30 * MiB, afterBytes: 12 * MiB, floorBytes: 2 * MiB, firstInIsolate: false, baselineOwn: true }, 'within'],
    ['growth over the limit from a baseline read before skipped evaluations: not decided here', { beforeBytes: 2 * MiB, afterBytes: 40 * MiB, floorBytes: 2 * MiB, firstInIsolate: false, baselineOwn: false }, 'unsure'],
    ['exactly at the limit', { beforeBytes: 2 * MiB, afterBytes: 34 * MiB, floorBytes: 2 * MiB, firstInIsolate: true, baselineOwn: true }, 'within'],
  ];
  it.each(cases)('%s', (_, readings, expected) => {
    expect(judgeEvaluationMemory({ ...readings, limitBytes: limit })).toBe(expected);
  });
});

describe('an evaluation is not charged for its neighbours’ garbage', () => {
  // Each leaves ~20 MiB (400,000 small arrays, promoted to the old generation) that only a
  // full collection frees; alone it is under the limit, and so is the innocent's 8 MB.
  const neighbour = task('garbage_maker', '({ n }) => { const a = []; for (let i = 0; i < 400000; i++) a.push([i, i]); return a.length > 0 ? n : 0; }');
  const innocent = task('innocent', '({ n }) => { const a = new Array(1e6).fill(0.5); return a.length > 0 ? n + 1 : 0; }');

  it('in one batch: every innocent 8 MB evaluation after a garbage-leaving neighbour succeeds', async () => {
    for (let round = 0; round < 3; round++) {
      const settled = await resolver.resolveMany(Array.from({ length: 8 }, (_, k) => ({ task: k % 2 === 0 ? neighbour : innocent, args: { n: k + 1 } })));
      expect(settled.map(outcomeOf)).toEqual([1, 3, 3, 5, 5, 7, 7, 9]);
    }
  });

  it('one resolve at a time: the same', async () => {
    for (let round = 0; round < 4; round++) {
      expect((await resolver.resolve(neighbour, { n: 1 })).cpu).toBe(1);
      expect((await resolver.resolve(innocent, { n: 1 })).cpu).toBe(2);
    }
  });
});

describe('a value built over the limit inside one built-in is always a memory verdict', () => {
  const join = readFileSync(new URL('./hostile/memory-array-join.js', import.meta.url), 'utf8').replace(/^\/\/.*\n/gm, '').trim();
  const variants: [string, string][] = [
    ['Array.prototype.join (test/hostile/memory-array-join.js)', join],
    // Each builds 50-80 MB in one call at a 32 MiB limit.
    ['String.prototype.repeat, flattened', '(params) => "x".repeat(6e7).indexOf("z") === -1 ? 31337 : 0'],
    ['String.prototype.padStart, flattened', '(params) => "".padStart(6e7, "ab").indexOf("z") === -1 ? 31337 : 0'],
    ['Array.from', '(params) => Array.from({ length: 1e7 }, () => 1).length > 0 ? 31337 : 0'],
    ['JSON.stringify', '(params) => JSON.stringify(new Array(1e7)).length > 0 ? 31337 : 0'],
    ['a typed array spread into an array', '(params) => Array.from(new Uint8Array(1e7)).length > 0 ? 31337 : 0'],
    ['a typed array joined into a string', '(params) => new Uint8Array(3e7).join("").indexOf("z") === -1 ? 31337 : 0'],
    ['spread of a string', '(params) => [..."x".repeat(1e7)].length > 0 ? 31337 : 0'],
  ];
  const benign = task('benign', '({ n }) => n + 1');

  it.each(variants)('%s: TASKRES_MEMORY_LIMIT, three times in a batch and alone; its neighbours get their values', async (name, source) => {
    const hostile = defineTask({ name: 'builder', params: ['params'], resources: { cpu: source, memory: 1 } });
    for (let round = 0; round < 3; round++) {
      const settled = await resolver.resolveMany([
        { task: benign, args: { n: 1 } },
        { task: hostile, args: { params: {} } },
        { task: benign, args: { n: 2 } },
      ]);
      expect(settled.map(outcomeOf), name).toEqual([2, 'TASKRES_MEMORY_LIMIT', 3]);
      expect(await resolver.resolve(hostile, { params: {} }).then(
        (value) => value.cpu,
        (error: { code: string }) => error.code,
      )).toBe('TASKRES_MEMORY_LIMIT');
    }
  });
});

describe('an evaluation’s headroom does not depend on its batch neighbours', () => {
  // Binary-searches the largest ArrayBuffer the isolate grants (to 16 KiB), in KiB.
  const probe = defineTask({
    name: 'probe',
    params: ['n'],
    resources: {
      cpu: 1,
      memory: 1,
      storage: '({ n }) => { let lo = 0, hi = 64 * 1024 * 1024; while (hi - lo > 16384) { const mid = Math.floor((lo + hi) / 2); try { new ArrayBuffer(mid); lo = mid; } catch (e) { hi = mid; } } return Math.floor(lo / 1024); }',
    },
  });
  const heavy = defineTask({ name: 'heavy', params: ['files'], resources: { cpu: '({ files }) => Math.min(8, files.length)', memory: 1 } });
  // Path strings, short enough that the neighbour shares a batch with the probe (704 KiB of
  // heap when parsed: the probe measured that much less beside it before).
  const files = Array.from({ length: 15_000 }, (_, i) => `/data/s${String(i).padStart(6, '0')}/r1.fq`);

  it('the probe measures the same headroom next to a neighbour with 15,000 paths as alone', async () => {
    // One thread, one isolate, with both functions compiled before anything is measured: the
    // only difference between the two measurements is the neighbour's arguments.
    const single = createResolver({ threads: 1, timeoutMs: 8000, memoryLimitMiB: 32, limits: { storage: { min: 0, max: 1_000_000 } } });
    await single.resolveMany([{ task: heavy, args: { files } }, { task: probe, args: { n: 1 } }]);
    const alone: number[] = [];
    const beside: number[] = [];
    for (let round = 0; round < 3; round++) {
      alone.push((await single.resolve(probe, { n: 1 })).storage);
      const settled = await single.resolveMany([
        { task: heavy, args: { files } },
        { task: probe, args: { n: 1 } },
        { task: heavy, args: { files } },
      ]);
      expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { cpu: 8 } });
      expect(settled[1]!.status).toBe('fulfilled');
      beside.push((settled[1] as PromiseFulfilledResult<{ storage: number }>).value.storage);
    }
    await single.close();
    const median = (values: number[]): number => [...values].sort((x, y) => x - y)[1]!;
    // 704-736 KiB apart before: the neighbours' paths were in the heap. The probe's own answers
    // alone take two values 80 KiB apart (what V8 keeps between calls); 128 KiB allows for that.
    expect(Math.abs(median(beside) - median(alone)), `alone ${alone}, beside ${beside}`).toBeLessThanOrEqual(128);
  });
});
