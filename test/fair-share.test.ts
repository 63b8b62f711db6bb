/**
 * Restarts are charged to the caller whose evaluations caused them (src/service/fair-share.ts):
 * a charged caller gets fewer evaluations handed over at once, and takes its share back as its
 * evaluations end normally. Real FairShare, real promises; the jobs are held open by hand.
 */
import { describe, expect, it } from 'vitest';
import { FairShare } from '../src/service/fair-share.js';

/** Starts `count` jobs for `caller` that stay open until released; counts how many started. */
function hold(fair: FairShare, caller: string, count: number) {
  const releases: (() => void)[] = [];
  let started = 0;
  const done = Array.from({ length: count }, () =>
    fair.run(caller, () => {
      started++;
      return new Promise<void>((resolve) => releases.push(resolve));
    }),
  );
  return { started: () => started, release: () => releases.splice(0).forEach((release) => release()), done };
}

describe('FairShare charges restarts to their caller', () => {
  it('an uncharged caller alone gets the whole window', () => {
    const fair = new FairShare(8);
    const jobs = hold(fair, 'a', 20);
    expect(jobs.started()).toBe(8);
    expect(fair.limitFor('a')).toBe(8);
  });

  it('each charge halves the caller’s share, down to one, while another caller is unaffected', () => {
    const fair = new FairShare(8);
    fair.charge('attacker');
    expect(fair.limitFor('attacker')).toBe(4);
    for (let i = 0; i < 10; i++) fair.charge('attacker');
    expect(fair.limitFor('attacker')).toBe(1);
    const attacker = hold(fair, 'attacker', 20);
    const bystander = hold(fair, 'bystander', 20);
    expect(attacker.started()).toBe(1);
    expect(bystander.started()).toBe(7);
  });

  it('evaluations that end normally take the charges back', async () => {
    const fair = new FairShare(8);
    fair.charge('a');
    fair.charge('a');
    expect(fair.limitFor('a')).toBe(2);
    fair.acquit('a');
    expect(fair.limitFor('a')).toBe(4);
    fair.acquit('a');
    fair.acquit('a');
    expect(fair.limitFor('a')).toBe(8);
    const jobs = hold(fair, 'a', 3);
    jobs.release();
    await Promise.all(jobs.done);
  });
});
