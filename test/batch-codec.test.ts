/**
 * The batch codec round trip: encoded as the resolver does, decoded as the sandbox worker
 * does (BatchReader) and as the isolate does (JSON.parse of one job's text), every job comes
 * back with its own functions, files, parameters and retry contexts, and nothing of another.
 */
import { describe, expect, it } from 'vitest';
import { BatchReader, encodeBatch, encodedChars, settleBatch, type BatchJob, type BatchMeta, type FileEntry, type IsolateJob, type JobOutcomes } from '../src/protocol/batch-codec.js';

const binding = { style: 'object' as const, names: ['files', 'n'], rest: false };
const cpu = { source: '({ files }) => files.length', binding };
const storage = { source: '({ n }) => n', binding };
const taskA = [cpu, storage];
const taskB = [storage];

interface Fixture extends BatchJob {
  files: FileEntry[];
  params: Record<string, unknown>;
  contexts?: (Record<string, unknown> | null)[];
}

function job(dynamics: BatchJob['dynamics'], files: FileEntry[], params: Record<string, unknown>, contexts?: (Record<string, unknown> | null)[]): Fixture {
  return { dynamics, args: { files: files.flatMap(([path, name, size]) => [path, name, size]), paramsJson: JSON.stringify(params) }, contextJson: contexts && JSON.stringify(contexts), files, params, contexts };
}

const awkward = 'a "quoted"\\ path\u0001\u0002\n\u2028 with ünïcode/😀.fq';
const jobs: Fixture[] = [
  job(taskA, [['/data/a.fq', 'a.fq'], ['/data/b.fq', 'b.fq', 42]], { files: [{ $file: 0 }, { $file: 1 }], n: 1 }),
  job(taskB, [], { n: 2 }, [{ attempt: 2, previous: { reason: 'oom' } }]),
  // The same path again, once as the same file and once with a different name and size.
  job(taskA, [['/data/a.fq', 'a.fq'], ['/data/a.fq', 'other', 7], [awkward, 'x']], { files: [{ $file: 2 }, { $file: 0 }], n: { $file: 1 } }, [null, { attempt: 1 }]),
  job(taskB, [[awkward, 'x']], { n: [[{ $file: 0 }]] }),
];

describe('batch codec', () => {
  const encoded = encodeBatch(jobs);
  const meta = JSON.parse(encoded.meta) as BatchMeta;
  const reader = new BatchReader(encoded.payload);

  it('meta lists each distinct function once, and counts jobs and evaluations', () => {
    expect(meta.sources.map((entry) => entry.source)).toEqual([cpu.source, storage.source]);
    expect(meta.sources[0]).toMatchObject(binding);
    expect(meta).toMatchObject({ count: 6, jobs: 4 });
  });

  it('each job decodes, in the worker and in the isolate, to exactly its own files, parameters and contexts', () => {
    expect(reader.jobCount).toBe(jobs.length);
    jobs.forEach((original, j) => {
      const expected: IsolateJob = original.contexts === undefined ? [original.files, original.params] : [original.files, original.params, original.contexts];
      expect(reader.job(j)).toEqual(expected);
      expect(JSON.parse(reader.jobText(j))).toEqual(expected);
      expect(reader.jobText(j).length).toBeLessThanOrEqual(reader.jobChars(j));
    });
  });

  it('a job text holds exactly its own files, whatever job was asked before (multi-digit indexes, same and prefix lists)', () => {
    const many: FileEntry[] = Array.from({ length: 14 }, (_, k) => [`/data/f${k}.fq`, `f${k}.fq`]);
    const params = { files: [{ $file: 0 }] };
    const lists: FileEntry[][] = [many, [many[1]!], [many[12]!], [many[12]!], [many[1]!, many[12]!], [many[12]!, many[1]!], [], [many[1]!]];
    const fixtures = lists.map((files) => job(taskB, files, params));
    const batch = new BatchReader(encodeBatch(fixtures).payload);
    const order = [0, 1, 2, 3, 3, 4, 5, 6, 7, 1, 0, 7, 2, 6, 5];
    for (const j of order) expect(JSON.parse(batch.jobText(j))).toEqual([lists[j], params]);
  });

  it('a file shared by jobs is encoded once; one that differs in name or size is another entry', () => {
    const occurrences = encoded.payload.split(JSON.stringify(['/data/a.fq', 'a.fq'])).length - 1;
    expect(occurrences).toBe(1);
    expect(encoded.payload.split(JSON.stringify(awkward)).length - 1).toBe(1);
    expect(encoded.payload).toContain(JSON.stringify(['/data/a.fq', 'other', 7]));
  });

  it('the plan maps every evaluation to its job and function, and job boundaries follow it', () => {
    const { jobs: evaluationJobs, sources } = reader.evaluations();
    expect([...evaluationJobs]).toEqual([0, 0, 1, 2, 2, 3]);
    expect([...sources]).toEqual([0, 1, 1, 0, 1, 1]);
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => reader.jobBoundaryAtOrAfter(i))).toEqual([0, 2, 2, 3, 5, 5, 6]);
    expect(JSON.parse(reader.planText)).toEqual([[0, 1], [1], [0, 1], [1]]);
  });

  it('encodedChars bounds what a job adds to a batch', () => {
    for (const original of jobs) expect(encodedChars(original)).toBeGreaterThanOrEqual(encodeBatch([original]).payload.length - 8);
  });

  it('an empty batch round-trips', () => {
    const empty = encodeBatch([]);
    expect(JSON.parse(empty.meta)).toEqual({ sources: [], count: 0, jobs: 0 });
    expect(new BatchReader(empty.payload).jobCount).toBe(0);
  });

  it('a payload without its parts is refused', () => {
    expect(() => new BatchReader('{"files":[]}')).toThrow(/three parts/);
  });

  it('settleBatch gives each job its own outcomes and returns the jobs past `completed`', () => {
    const seen: { values: number[]; failures: [number, string][] }[] = [];
    const settleable = jobs.map((original) => ({
      dynamics: original.dynamics,
      settle(outcomes: JobOutcomes) {
        const values: number[] = [];
        const failures: [number, string][] = [];
        for (let k = 0; k < original.dynamics.length; k++) {
          const failure = outcomes.failures?.get(outcomes.offset + k);
          if (failure) failures.push([k, failure.code]);
          else values.push(outcomes.values[outcomes.offset + k]!);
        }
        seen.push({ values, failures });
      },
    }));
    const left = settleBatch(settleable, {
      values: Float64Array.from([1, 2, 3, 4, 5, 6]),
      failures: [{ index: 4, code: 'TASKRES_TIMEOUT', detail: '' }],
      completed: 5,
    });
    expect(seen).toEqual([
      { values: [1, 2], failures: [] },
      { values: [3], failures: [] },
      { values: [4], failures: [[1, 'TASKRES_TIMEOUT']] },
    ]);
    expect(left).toEqual([settleable[3]]);
  });
});
