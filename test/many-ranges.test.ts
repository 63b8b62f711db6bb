/**
 * A resolveMany call waits as ranges of its items (src/resolver/many-call.ts, job-range.ts):
 * consecutive items that share a task and a signal. Whatever the ranges, every item settles
 * on its own, in input order, with the value of its own arguments; an abort reaches exactly
 * the items of its signal, wherever a range starts or ends.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TaskFile, createResolver, customTask, defineTask, type ResolveOutcome, type ResolveRequest } from '../dist/index.js';

const echo = defineTask({ name: 'echo', params: ['n', 'f'], resources: { cpu: '({ n, f }) => n + f.length', memory: 1 } });
const other = defineTask({ name: 'other', params: ['n'], resources: { memory: '({ n }) => n', cpu: 1 } });
const fixed = customTask({ cpu: 3, memory: 2 })(function fixed_task() {
  return 0;
});
const show = (outcome: ResolveOutcome): string => (outcome.status === 'fulfilled' ? `${outcome.value.cpu}/${outcome.value.memory}` : outcome.reason.code);

const resolver = createResolver({ threads: 2 });
afterAll(() => resolver.close());

describe('resolveMany as ranges', () => {
  it('settles each item with its own value across tasks, signals, static and bad items; an abort reaches only its items', async () => {
    const shared = new AbortController();
    const kept = new AbortController();
    const each = Array.from({ length: 50 }, () => new AbortController());
    const requests: ResolveRequest[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const files = [new TaskFile(`/d/${i % 7}.txt`), new TaskFile(`/d/x${i}.txt`)].slice(0, 1 + (i % 2));
      if (i % 500 === 17) {
        requests.push({ task: fixed, args: {} });
        expected.push('3/2');
      } else if (i % 700 === 5) {
        requests.push({ task: echo, args: { n: i } });
        expected.push('TASKRES_INVALID_ARGS');
      } else if (i % 300 === 9) {
        requests.push({ task: other, args: { n: 1 + (i % 5) } });
        expected.push(`1/${1 + (i % 5)}`);
      } else if (i < 1000) {
        requests.push({ task: echo, args: { n: i % 40, f: files }, signal: shared.signal });
        expected.push('TASKRES_ABORTED');
      } else if (i < 2000) {
        requests.push({ task: echo, args: { n: i % 40, f: files }, signal: kept.signal });
        expected.push(`${(i % 40) + files.length}/1`);
      } else {
        // A signal per item, aborted for every other one: each item a range of its own.
        const controller = each[i % 50]!;
        requests.push({ task: echo, args: { n: i % 40, f: files }, signal: controller.signal });
        expected.push(i % 2 === 0 ? 'TASKRES_ABORTED' : `${(i % 40) + files.length}/1`);
      }
    }
    const pending = resolver.resolveMany(requests);
    shared.abort();
    each.forEach((controller, k) => k % 2 === 0 && controller.abort());
    const outcomes = await pending;
    expect(outcomes.map(show)).toEqual(expected);
  });
});
