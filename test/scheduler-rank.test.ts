/**
 * The work queue's ranking after a stop (src/resolver/scheduler.ts): once a job of a group is
 * charged with a lost sandbox process, the group's waiting work goes after every other group's,
 * in both lanes, and never shares a batch with it. Pure: the real WorkQueue with plain jobs.
 */
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../src/resolver/scheduler.js';
import type { Job } from '../src/resolver/supervisor.js';
import type { Work } from '../src/resolver/job-range.js';

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
