/**
 * The service's coalescing of single resolves (src/service/coalesce.ts), with a real resolver:
 * the resolves of one event-loop turn reach it in one synchronous pass (the resolver sends what
 * one microtask submits as one batch), and each caller gets its own item's outcome as soon as
 * that item settles, retry context and abort signal included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFile, createResolver, customTask, defineTask, type Resolver } from '../dist/index.js';
import { ResolveCoalescer } from '../src/service/coalesce.js';

const task = customTask({
  cpu: function allocate_cpu({ files }: { files: unknown[] }) {
    return Math.min(8, files.length);
  },
  memory: 8,
  retry: { on: ['oom'], memory: { factor: 2, max: 64 } },
})(function my_task({ files }: { files: TaskFile[] }) {
  return files;
});

const args = (count: number) => ({ files: Array.from({ length: count }, (_, i) => new TaskFile(`/data/in-${i}.fq`)) });

let resolver: Resolver;
/** How many resolve calls each microtask of the coalescer's made (one entry per batch the resolver sends). */
let calls: number[];
let coalescer: ResolveCoalescer;
/** The real resolver, with its resolve calls counted per microtask (the scope each item is resolved through). */
let counted: Resolver;

beforeAll(() => {
  resolver = createResolver({ threads: 2, timeoutMs: 300 });
  calls = [];
  let open = false;
  counted = Object.create(resolver, {
    resolve: {
      value: (...call: Parameters<Resolver['resolve']>) => {
        if (!open) {
          open = true;
          calls.push(0);
          queueMicrotask(() => (open = false));
        }
        calls[calls.length - 1]!++;
        return resolver.resolve(...call);
      },
    },
  });
  coalescer = new ResolveCoalescer();
});

afterAll(() => resolver.close());

describe('ResolveCoalescer', () => {
  it('sends the resolves of one turn in one pass, each caller getting its own outcome', async () => {
    calls.length = 0;
    const pending = Array.from({ length: 40 }, (_, i) => coalescer.resolve(counted, { task, args: i % 10 === 9 ? { files: [], extra: 1 } : args(1 + (i % 10)) }));
    const outcomes = await Promise.all(pending);
    expect(calls).toEqual([40]);
    outcomes.forEach((outcome, i) => {
      if (i % 10 === 9) {
        expect(outcome.status).toBe('rejected');
        expect(outcome.status === 'rejected' && outcome.reason.code).toBe('TASKRES_INVALID_ARGS');
      } else {
        expect(outcome).toMatchObject({ status: 'fulfilled', value: { cpu: Math.min(8, 1 + (i % 10)), memory: 8 } });
      }
    });
  });

  it('sends resolves of different turns in different batches', async () => {
    calls.length = 0;
    const first = coalescer.resolve(counted, { task, args: args(2) });
    await new Promise((resolve) => setImmediate(resolve));
    const second = coalescer.resolve(counted, { task, args: args(3) });
    const [a, b] = await Promise.all([first, second]);
    expect(calls).toEqual([1, 1]);
    expect(a.status === 'fulfilled' && a.value.cpu).toBe(2);
    expect(b.status === 'fulfilled' && b.value.cpu).toBe(3);
  });

  it("keeps each item's retry context and abort signal to itself", async () => {
    calls.length = 0;
    const aborted = new AbortController();
    aborted.abort();
    const [plain, retried, cancelled] = await Promise.all([
      coalescer.resolve(counted, { task, args: args(1) }),
      coalescer.resolve(counted, { task, args: args(1), attempt: 2, previous: { resources: { cpu: 1, memory: 8, storage: 0, gpu: 0 }, reason: 'oom' } }),
      coalescer.resolve(counted, { task, args: args(1), signal: aborted.signal }),
    ]);
    expect(calls).toEqual([3]);
    expect(plain.status === 'fulfilled' && plain.value.memory).toBe(8);
    expect(retried.status === 'fulfilled' && retried.value.memory).toBe(16);
    expect(cancelled.status === 'rejected' && cancelled.reason.code).toBe('TASKRES_ABORTED');
  });

  it("gives a caller its own outcome when a neighbour in its turn runs into its timeout", async () => {
    const endless = defineTask({ name: 'endless', params: ['n'], resources: { cpu: '({ n }) => { for (;;) {} }', memory: 1 } });
    calls.length = 0;
    const [slowOutcome, quickOutcome] = await Promise.all([coalescer.resolve(counted, { task: endless, args: { n: 1 } }), coalescer.resolve(counted, { task, args: args(2) })]);
    expect(calls).toEqual([2]);
    expect(quickOutcome.status === 'fulfilled' && quickOutcome.value.cpu).toBe(2);
    expect(slowOutcome.status === 'rejected' && slowOutcome.reason.code).toBe('TASKRES_TIMEOUT');
  });
});
