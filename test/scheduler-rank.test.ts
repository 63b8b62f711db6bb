/**
 * The work queue's ranking after a stop (src/resolver/scheduler.ts): once a job of a group is
 * charged with a lost sandbox process, the group's waiting work goes after every other group's,
 * in both lanes, and never shares a batch with it; and how ranges of a resolveMany call's items
 * are cut into batches. Pure: the real WorkQueue with plain jobs and ranges.
 */
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../src/resolver/scheduler.js';
import type { Job } from '../src/resolver/supervisor.js';
import { JobRange, type RangeSource, type Work } from '../src/resolver/job-range.js';

const job = (name: string, group?: object): Job & { name: string } =>
  ({ name, group, dynamics: [{}], args: {}, settle: () => {} }) as unknown as Job & { name: string };
const names = (jobs: readonly Work[]) => jobs.map((each) => (each as Job & { name: string }).name);
const queue = () => new WorkQueue({ maxEvaluations: 1000, charsOf: () => 10 });
const keep = () => {};

describe('WorkQueue after a stop', () => {
  it('runs another group\'s lost job first, in a batch without the charged group\'s jobs', () => {
    const attacker = {};
    const bystander = {};
    const q = queue();
    const [a1, a2, b, a3] = [job('a1', attacker), job('a2', attacker), job('b', bystander), job('a3', attacker)];
    q.push(a1);
    q.push(a2);
    q.push(b);
    expect(names(q.takeBatch(1, keep))).toEqual(['a1', 'a2', 'b']);
    // The process is lost while a1 runs: a1 is charged, a2 and b were not reached.
    q.chargeStops([a1]);
    q.requeueUnproven([a2, b]);
    q.push(a3);
    expect(names(q.takeBatch(2, keep))).toEqual(['b']);
    expect(names([...q.takeBatch(2, keep), ...q.takeBatch(2, keep)]).sort()).toEqual(['a2', 'a3']);
    expect(q.length).toBe(0);
  });

  it('takes uncharged fresh work before the charged group\'s lost work', () => {
    const attacker = {};
    const q = queue();
    const a = [1, 2, 3].map((i) => job(`a${i}`, attacker));
    for (const each of a) q.push(each);
    expect(q.takeBatch(1, keep)).toHaveLength(3);
    q.chargeStops([a[0]!]);
    q.requeueUnproven([a[1]!, a[2]!]);
    q.push(job('late'));
    expect(names(q.takeBatch(2, keep))).toEqual(['late']);
  });

  it('keeps arrival order when no group was charged (a library caller without signals)', () => {
    const q = queue();
    for (const name of ['x', 'y', 'z']) q.push(job(name));
    const [x, y, z] = q.takeBatch(1, keep) as Job[];
    q.chargeStops([x!]);
    q.requeueUnproven([y!, z!]);
    expect(names(q.takeBatch(1, keep))).toEqual(['z', 'y']);
  });
});

/** A range source of `count` items of one evaluation and 10 characters each (the queue's view of a resolveMany call). */
function source(group?: object, cancelled = () => false): RangeSource & { made: number[] } {
  const made: number[] = [];
  return {
    made,
    dynamics: [{}] as unknown as RangeSource['dynamics'],
    group,
    cancelled,
    charsOf: () => 10,
    encodeInto: () => {},
    settle: () => {},
    fail: () => {},
    job: (item, arrival) => {
      made.push(item);
      return { ...job(`item${item}`, group), arrival };
    },
  };
}
const bounds = (works: readonly Work[]) => works.map((work) => (work instanceof JobRange ? `${work.from}-${work.to}` : (work as Job & { name: string }).name));

describe('WorkQueue with ranges of a resolveMany call', () => {
  it('cuts a range at the batch share and the evaluation limit, counting items, in arrival order with jobs', () => {
    const q = new WorkQueue({ maxEvaluations: 300, charsOf: () => 10 });
    const many = source();
    q.push(job('before'));
    q.push(new JobRange(many, 0, 1000, 0));
    q.push(job('after'));
    expect(q.length).toBe(1002);
    // Two idle threads: a share of half the 1,002 items, the range cut at the evaluation limit.
    expect(bounds(q.takeBatch(2, keep))).toEqual(['before', '0-299']);
    expect(q.length).toBe(702);
    expect(bounds(q.takeBatch(1, keep))).toEqual(['299-599']);
    expect(bounds(q.takeBatch(1, keep))).toEqual(['599-899']);
    expect(bounds(q.takeBatch(1, keep))).toEqual(['899-1000', 'after']);
    expect(q.length).toBe(0);
    expect(many.made).toEqual([]);
  });

  it('drops a cancelled range whole, and ranks a charged group\'s range after other work', () => {
    let aborted = false;
    const attacker = {};
    const q = queue();
    const dropped: Work[] = [];
    q.push(new JobRange(source(undefined, () => aborted), 0, 5, 0));
    q.push(new JobRange(source(attacker), 0, 3, 0));
    q.push(job('bystander'));
    aborted = true;
    q.chargeStops([job('a0', attacker)]);
    expect(bounds(q.takeBatch(1, (work) => dropped.push(work)))).toEqual(['bystander']);
    expect(bounds(dropped)).toEqual(['0-5']);
    expect(bounds(q.takeBatch(1, keep))).toEqual(['0-3']);
  });
});
