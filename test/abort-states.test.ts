/**
 * An AbortSignal is honoured in every state a job can be in (issue 18, section 2): queued,
 * running in the sandbox, and queued again after a sandbox restart. Before, a signal was read
 * only when a job was about to be sent, so a running job, or a suspect re-run after a crash,
 * ran to its end whatever its caller said.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TaskFile, createResolver, defineTask, type ResolveOutcome } from '../dist/index.js';

const WEDGE = "Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 'never')";
const echo = defineTask({ name: 'echo', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
/** Asks its file's size first (the test hears that it runs), then spins for `ms`. */
const spinning = defineTask({
  name: 'spinning',
  params: ['f', 'ms'],
  resources: { cpu: '({ f, ms }) => { f.size(); const end = Date.now() + ms; while (Date.now() < end); return 1; }', memory: 1 },
});
const codeOf = (outcome: ResolveOutcome): string => (outcome.status === 'fulfilled' ? `value ${outcome.value.cpu}` : outcome.reason.code);

/** A resolver whose size provider calls `onRunning` when a function asks: the function is running then. */
function resolverHearing(options: { timeoutMs: number }) {
  let onRunning: () => void = () => {};
  const resolver = createResolver({ threads: 1, timeoutMs: options.timeoutMs, fileSize: async () => (onRunning(), 1) });
  return { resolver, whenRunning: (then: () => void) => (onRunning = then) };
}

const resolvers: { close(): Promise<void> }[] = [];
afterAll(() => Promise.all(resolvers.map((resolver) => resolver.close())));

describe('abort signals in every state', () => {
  it('running: the call rejects with TASKRES_ABORTED at once, while the sandbox still runs it', async () => {
    const { resolver, whenRunning } = resolverHearing({ timeoutMs: 20_000 });
    resolvers.push(resolver);
    const controller = new AbortController();
    let abortedAt = 0;
    whenRunning(() => {
      abortedAt = performance.now();
      controller.abort();
    });
    const [outcome] = await resolver.resolveMany([{ task: spinning, args: { f: new TaskFile('/data/a'), ms: 4000 }, signal: controller.signal }]);
    expect(codeOf(outcome!)).toBe('TASKRES_ABORTED');
    // The function spins for 4 s; the caller hears at once.
    expect(performance.now() - abortedAt).toBeLessThan(3000);
  }, 60_000);

  it('queued behind a running batch: it rejects before that batch answers', async () => {
    const { resolver, whenRunning } = resolverHearing({ timeoutMs: 20_000 });
    resolvers.push(resolver);
    const order: string[] = [];
    const queued = new AbortController();
    let second: Promise<ResolveOutcome[]> | undefined;
    whenRunning(() => {
      // The only thread is busy: this one waits in the queue, and is aborted there.
      second = resolver.resolveMany([{ task: echo, args: { n: 2 }, signal: queued.signal }]);
      void second.then(([outcome]) => order.push(`second ${codeOf(outcome!)}`));
      queued.abort();
    });
    const [first] = await resolver.resolveMany([{ task: spinning, args: { f: new TaskFile('/data/a'), ms: 1500 } }]);
    order.push(`first ${codeOf(first!)}`);
    await second;
    expect(order).toEqual(['second TASKRES_ABORTED', 'first value 1']);
  }, 60_000);

  it('queued again after its batch was lost with a wedged sandbox: the abort is heard, it is not run', async () => {
    const resolver = createResolver({ threads: 1, timeoutMs: 200 });
    resolvers.push(resolver);
    const wedger = defineTask({ name: 'wedger', params: ['n'], resources: { cpu: `({ n }) => ${WEDGE}`, memory: 1 } });
    // Sent in the same tick: one batch, the wedger first.
    const calm = await Promise.all([resolver.resolveMany([{ task: wedger, args: { n: 1 } }]), resolver.resolveMany([{ task: echo, args: { n: 3 } }])]);
    // Without an abort the neighbour is innocent and gets its value: blame charges the wedger alone.
    expect(calm.map(([outcome]) => codeOf(outcome!))).toEqual(['TASKRES_TIMEOUT', 'value 3']);
    const neighbour = new AbortController();
    const charged = resolver.resolveMany([{ task: wedger, args: { n: 2 } }]).then(([outcome]) => {
      // The wedger is charged as the sandbox process is lost; its neighbour now waits for the new one.
      neighbour.abort();
      return codeOf(outcome!);
    });
    const aborted = resolver.resolveMany([{ task: echo, args: { n: 4 }, signal: neighbour.signal }]).then(([outcome]) => codeOf(outcome!));
    expect(await charged).toBe('TASKRES_TIMEOUT');
    expect(await aborted).toBe('TASKRES_ABORTED');
  }, 60_000);

  it('resolve(task, args, { signal }) takes the same per-call options as a resolveMany item', async () => {
    const resolver = createResolver({ threads: 1 });
    resolvers.push(resolver);
    await expect(resolver.resolve(echo, { n: 1 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'TASKRES_ABORTED' });
    expect(await resolver.resolve(echo, { n: 5 }, { signal: new AbortController().signal })).toMatchObject({ cpu: 5 });
    expect(await resolver.resolve(echo, { n: 5 }, { attempt: 2, signal: new AbortController().signal })).toMatchObject({ cpu: 5 });
    await expect(resolver.resolve(echo, { n: 1 }, { signal: 'soon' } as never)).rejects.toMatchObject({ code: 'TASKRES_INVALID_ARGS' });
    await expect(resolver.resolve(echo, { n: 1 }, { attemps: 2 } as never)).rejects.toMatchObject({ code: 'TASKRES_INVALID_ARGS' });
  }, 60_000);
});
