/**
 * Blame that is observed, not inferred (issue 18, section 2): when a function wedges a sandbox
 * thread, the sandbox process names the evaluation running past its deadline as it goes down;
 * that evaluation alone is charged and everything else runs again together. Before, every
 * job in flight became a suspect re-run alone, one at a time, ahead of all other work and
 * deaf to its signal and to close(), and a function that behaves when alone was never blamed.
 */
import { describe, expect, it } from 'vitest';
import { TaskFile, createResolver, defineTask, type ResolveOutcome } from '../dist/index.js';
import { CLOSE_KILL_AFTER_MS, SANDBOX_START_ALLOWANCE_MS, wedgeDetectedWithinMs } from '../src/resolver/deadlines.js';

/** One built-in call over 2^53 indexes that never checks for interrupts: the thread stays inside it. */
const WEDGE = "Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 'never')";
const wedger = defineTask({ name: 'wedger', params: ['n'], resources: { cpu: `({ n }) => ${WEDGE}`, memory: 1 } });
const echo = defineTask({ name: 'echo', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
const TIMEOUT_MS = 200;

const codeOf = (outcome: ResolveOutcome): string => (outcome.status === 'fulfilled' ? `value ${outcome.value.cpu}` : outcome.reason.code);
const settle = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    (value) => `value ${(value as { cpu: number }).cpu}`,
    (error: { code?: string }) => String(error?.code),
  );

describe('observed blame', () => {
  it('a function that wedges only when it has company is charged; its 300 neighbours get their results after one restart', async () => {
    // The function learns whether it has company through its file's size: the provider answers
    // 1 while the first sandbox process runs, 0 after (as heap headroom would tell it, issue 18 section 4).
    // timeoutMs 1000: the size() round trip to this process counts against the deadline and must fit in it on a busy machine.
    const resolver = createResolver({ threads: 2, timeoutMs: 1000, fileSize: async () => (resolver.sandboxStarts === 1 ? 1 : 0) });
    try {
      const sensing = defineTask({
        name: 'company_sensing',
        params: ['f'],
        resources: { cpu: `({ f }) => { if (f.size() === 1) return ${WEDGE}; return 1; }`, memory: 1 },
      });
      const neighbours = Array.from({ length: 300 }, (_, n) => ({ task: echo, args: { n: (n % 100) + 1 } }));
      const outcomes = await resolver.resolveMany([...neighbours.slice(0, 150), { task: sensing, args: { f: new TaskFile('/data/a.fq') } }, ...neighbours.slice(150)]);
      expect(codeOf(outcomes[150]!)).toBe('TASKRES_TIMEOUT');
      outcomes.forEach((outcome, i) => {
        if (i !== 150) expect(codeOf(outcome)).toBe(`value ${((i < 150 ? i : i - 1) % 100) + 1}`);
      });
      expect(resolver.sandboxStarts).toBe(2);
    } finally {
      await resolver.close();
    }
  }, 60_000);

  it("12 wedgers with a budget (the service's): another caller's resolve is answered after one restart, not after twelve", async () => {
    const resolver = createResolver({ threads: 2, timeoutMs: TIMEOUT_MS });
    try {
      expect((await resolver.resolve(echo, { n: 1 })).cpu).toBe(1);
      // Like the service's per-request budget: the request is abandoned at its first costly failure.
      const budget = new AbortController();
      const hostile = Array.from({ length: 12 }, (_, n) =>
        resolver.resolveMany([{ task: wedger, args: { n }, signal: budget.signal }]).then(([outcome]) => {
          if (outcome!.status === 'rejected' && outcome!.reason.code === 'TASKRES_TIMEOUT') budget.abort();
          return codeOf(outcome!);
        }),
      );
      const started = performance.now();
      expect((await resolver.resolve(echo, { n: 2 })).cpu).toBe(2);
      const waitedMs = performance.now() - started;
      // One wedge detected, one restart (before: each of the 12 re-run alone, about 1.7 s each).
      expect(waitedMs).toBeLessThan(3 * wedgeDetectedWithinMs(TIMEOUT_MS) + SANDBOX_START_ALLOWANCE_MS);
      const codes = await Promise.all(hostile);
      expect(codes.filter((code) => code === 'TASKRES_TIMEOUT').length).toBeGreaterThanOrEqual(1);
      expect(codes.every((code) => code === 'TASKRES_TIMEOUT' || code === 'TASKRES_ABORTED')).toBe(true);
    } finally {
      await resolver.close();
    }
  }, 60_000);

  it('close() with 10 wedgers in flight returns after the first wedge is detected: no restart while closing', async () => {
    const resolver = createResolver({ threads: 2, timeoutMs: TIMEOUT_MS });
    expect((await resolver.resolve(echo, { n: 1 })).cpu).toBe(1);
    const outcomes = Array.from({ length: 10 }, (_, n) => settle(resolver.resolve(wedger, { n })));
    const started = performance.now();
    await resolver.close();
    const closedMs = performance.now() - started;
    // Before: the ten were re-run alone, one after another, each wedging a new process (> 16 s).
    expect(closedMs).toBeLessThan(wedgeDetectedWithinMs(TIMEOUT_MS) + CLOSE_KILL_AFTER_MS + SANDBOX_START_ALLOWANCE_MS);
    const codes = await Promise.all(outcomes);
    expect(codes.filter((code) => code === 'TASKRES_TIMEOUT').length).toBeGreaterThanOrEqual(1);
    expect(codes.every((code) => code === 'TASKRES_TIMEOUT' || code === 'TASKRES_CLOSED')).toBe(true);
    expect(resolver.sandboxStarts).toBe(1);
  }, 60_000);

  it('a drain like SIGTERM (abort the work, then close()) does not wait for a wedged thread at all', async () => {
    // A long timeoutMs: the watchdog would take 2 × 5 s + 1 s to catch the wedge.
    let running: () => void = () => {};
    const resolver = createResolver({ threads: 1, timeoutMs: 5000, fileSize: async () => (running(), 1) });
    const hearing = defineTask({ name: 'hearing', params: ['f'], resources: { cpu: `({ f }) => { f.size(); return ${WEDGE}; }`, memory: 1 } });
    const work = new AbortController();
    const inFlight = new Promise<string>((resolve) => {
      running = () => resolve('running');
    });
    const outcome = resolver.resolveMany([{ task: hearing, args: { f: new TaskFile('/data/a') }, signal: work.signal }]);
    await inFlight;
    const started = performance.now();
    work.abort();
    await resolver.close();
    expect(performance.now() - started).toBeLessThan(CLOSE_KILL_AFTER_MS + SANDBOX_START_ALLOWANCE_MS);
    expect(codeOf((await outcome)[0]!)).toBe('TASKRES_ABORTED');
  }, 60_000);

  it('two threads wedged at once: both are charged by the one restart, and a neighbour of each gets its value', async () => {
    const resolver = createResolver({ threads: 2, timeoutMs: TIMEOUT_MS });
    try {
      expect((await resolver.resolve(echo, { n: 1 })).cpu).toBe(1);
      // Two batches of two (spread over the two idle threads): a wedger first in each.
      const outcomes = await resolver.resolveMany([
        { task: wedger, args: { n: 0 } },
        { task: echo, args: { n: 7 } },
        { task: wedger, args: { n: 1 } },
        { task: echo, args: { n: 8 } },
      ]);
      expect(outcomes.map(codeOf)).toEqual(['TASKRES_TIMEOUT', 'value 7', 'TASKRES_TIMEOUT', 'value 8']);
      expect(resolver.sandboxStarts).toBeLessThanOrEqual(3);
    } finally {
      await resolver.close();
    }
  }, 60_000);
});
