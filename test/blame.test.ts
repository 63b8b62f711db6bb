/**
 * Who answers for a lost sandbox process (src/resolver/blame.ts): the rules as a table. The
 * same rules run end to end in test/wedge-blame.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { judgeLoss, MAX_UNEXPLAINED_LOSSES, type LostBatch } from '../src/resolver/blame.js';
import type { ObservedCall } from '../src/protocol/messages.js';

/** A batch of jobs with these evaluation counts and no strikes yet. */
const batch = (id: number, evaluations: number[], strikes = evaluations.map(() => 0)): LostBatch => ({ id, evaluations, strikes });
const call = (over: Partial<ObservedCall>): ObservedCall => ({ batch: 0, evaluation: 0, evaluating: true, stopped: true, ...over });

describe('judgeLoss', () => {
  it.each<[string, LostBatch[], ObservedCall[] | undefined, string[][]]>([
    ['the only job in flight is charged, reported or not', [batch(0, [3])], undefined, [['charged']]],
    ['the only job in flight is charged even when nothing was observed', [batch(0, [1])], [], [['charged']]],
    [
      'the evaluation a stopping call named is charged; its batch neighbours and other batches re-run together',
      [batch(0, [1, 2, 1]), batch(1, [1, 1])],
      [call({ batch: 0, evaluation: 2 })],
      [['rerun', 'charged', 'rerun'], ['rerun', 'rerun']],
    ],
    [
      'a call that was merely running while another stopped the process: innocent',
      [batch(0, [1, 1]), batch(1, [1, 1])],
      [call({ batch: 0, evaluation: 1 }), call({ batch: 1, evaluation: 0, stopped: false })],
      [['rerun', 'charged'], ['rerun', 'rerun']],
    ],
    [
      'two threads past their deadlines: both running evaluations charged',
      [batch(0, [1, 1]), batch(1, [1, 1])],
      [call({ batch: 0, evaluation: 0 }), call({ batch: 1, evaluation: 1 })],
      [['charged', 'rerun'], ['rerun', 'charged']],
    ],
    [
      'stopped after the slice (leftover microtasks): those before it struck, those not reached re-run',
      [batch(0, [1, 1, 1, 1])],
      [call({ evaluation: 2, evaluating: false })],
      [['rerun-alone', 'rerun-alone', 'rerun', 'rerun']],
    ],
    ['stopped while loading its batch: every job struck', [batch(0, [1, 2])], [call({ evaluation: -1, evaluating: false })], [['rerun-alone', 'rerun-alone']]],
    [
      'the process reported nothing: every job in flight struck',
      [batch(0, [1, 1]), batch(1, [2])],
      undefined,
      [['rerun-alone', 'rerun-alone'], ['rerun-alone']],
    ],
    [
      'its whole memory (no call stops it): only the running jobs struck',
      [batch(0, [1, 1, 1]), batch(1, [1])],
      [call({ batch: 0, evaluation: 1, stopped: false })],
      [['rerun', 'rerun-alone', 'rerun'], ['rerun']],
    ],
    [
      `struck ${MAX_UNEXPLAINED_LOSSES} times: charged`,
      [batch(0, [1, 1], [MAX_UNEXPLAINED_LOSSES - 1, 0])],
      undefined,
      [['struck-out', 'rerun-alone']],
    ],
    ['reported, with nothing in a call: all innocent', [batch(0, [1, 1])], [], [['rerun', 'rerun']]],
  ])('%s', (_, batches, observed, verdicts) => {
    expect(judgeLoss(batches, observed)).toEqual(verdicts);
  });

  it('never re-runs a whole batch one by one: at most the jobs an observation cannot separate are struck', () => {
    const many = batch(0, Array.from({ length: 300 }, () => 1));
    const [verdicts] = judgeLoss([many], [call({ evaluation: 150 })]);
    expect(verdicts!.filter((v) => v === 'charged')).toHaveLength(1);
    expect(verdicts!.filter((v) => v === 'rerun')).toHaveLength(299);
  });
});
