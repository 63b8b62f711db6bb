/**
 * Every hostile resource function of ../shared/hostile (and our own, in test/hostile) through
 * the public API, on one resolver, interleaved with benign evaluations whose results are
 * checked. Each must end safely: rejected at definition time, a typed error, or an ordinary
 * number, with the host untouched and the next benign evaluation correct.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TaskFile, createResolver, defineTask, isTaskresError, type Resources, type TaskresErrorCode } from '../dist/index.js';
import { makeFiles } from './helpers/files.js';

const SHARED = new URL('../../shared/hostile/', import.meta.url);
const OURS = new URL('./hostile/', import.meta.url);
if (!existsSync(SHARED)) throw new Error(`the hostile corpus is missing at ${SHARED.pathname}: the suite needs ../shared beside the repository`);

const corpus = [SHARED, OURS].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .sort()
    .map((name) => ({ name, source: readFileSync(new URL(name, dir), 'utf8') })),
);

const TIMEOUT_MS = 250;
const DEFINITION_CODES: TaskresErrorCode[] = ['TASKRES_UNSERIALIZABLE', 'TASKRES_SIGNATURE', 'TASKRES_INVALID_SPEC'];
const RUNTIME_CODES: TaskresErrorCode[] = ['TASKRES_FUNCTION_THREW', 'TASKRES_TIMEOUT', 'TASKRES_MEMORY_LIMIT', 'TASKRES_INVALID_VALUE', 'TASKRES_FILE_SIZE'];

/** Outcomes some files must get exactly (the rest must merely be safe). */
const EXPECTED: Record<string, 'definition' | TaskresErrorCode[] | number> = {
  'dos-atomics-waitasync-abort.js': 'definition',
  'dos-memory-wasm-memory-grow.js': 'definition',
  'dos-inject-wrapper-breakout-loop.js': 'definition',
  'dos-inject-process-exit.js': 'definition',
  'dos-infinite-loop.js': ['TASKRES_TIMEOUT'],
  'dos-regex-catastrophic.js': ['TASKRES_TIMEOUT'],
  'dos-throw-proxy.js': ['TASKRES_TIMEOUT', 'TASKRES_FUNCTION_THREW'],
  'dos-result-getter-loop.js': ['TASKRES_INVALID_VALUE', 'TASKRES_TIMEOUT'],
  'dos-memory-spread-huge-string.js': ['TASKRES_MEMORY_LIMIT', 'TASKRES_TIMEOUT'],
  'dos-memory-string-doubling.js': ['TASKRES_MEMORY_LIMIT', 'TASKRES_FUNCTION_THREW', 'TASKRES_TIMEOUT'],
  'dos-badout-fraction.js': ['TASKRES_INVALID_VALUE'],
  'dos-badout-numeric-string.js': ['TASKRES_INVALID_VALUE'],
  'dos-badout-promise.js': ['TASKRES_INVALID_VALUE'],
  'escape-thenable-result.js': ['TASKRES_INVALID_VALUE'],
  'dos-delete-builtins.js': 1,
  'dos-mutate-globals.js': 1,
  'atomics-obfuscated.js': ['TASKRES_FUNCTION_THREW'],
  'function-constructor-chain.js': ['TASKRES_FUNCTION_THREW'],
  'global-stash.js': 0,
  'host-global-probe.js': 0,
  'prepare-stack-trace-assign.js': ['TASKRES_INVALID_VALUE'],
  'thrown-getter-proxy.js': ['TASKRES_TIMEOUT'],
  'microtask-after-return.js': ['TASKRES_TIMEOUT'],
  'message-getter-loop.js': ['TASKRES_TIMEOUT'],
  'size-failure-loop.js': ['TASKRES_FILE_SIZE', 'TASKRES_TIMEOUT'],
  'exponential-recursion.js': ['TASKRES_TIMEOUT'],
  'huge-array-result.js': ['TASKRES_INVALID_VALUE'],
};

const fixtures = makeFiles({ 'a.fq': 1000, 'b.fq': 2000, 'c.fq': 3000 });
// A cpu limit above 31337, so that an escape reporting 31337 shows as a fulfilled value.
const resolver = createResolver({ threads: 2, timeoutMs: TIMEOUT_MS, limits: { cpu: { min: 0, max: 1_000_000 } } });
const args = {
  params: {
    files: ['a.fq', 'b.fq', 'c.fq'].map((name) => new TaskFile(fixtures.path(name))),
    count: 3,
    missing: new TaskFile(fixtures.path('missing.fq')),
  },
};
const benign = defineTask({ name: 'benign', params: ['params'], resources: { cpu: '({ params }) => params.count + params.files.length', memory: 1, storage: '({ params }) => Math.ceil(params.files[1].size() / 1000)' } });

afterAll(async () => {
  await resolver.close();
  fixtures.cleanup();
});

type Outcome = { value: Resources } | { code: TaskresErrorCode; message: string };
const settle = (promise: Promise<Resources>): Promise<Outcome> =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => {
      if (!isTaskresError(error)) throw new Error(`not a TaskresError: ${String(error)}`);
      return { code: error.code, message: error.message };
    },
  );

function expectHostUntouched(): void {
  expect((globalThis as Record<string, unknown>).__HOSTILE_ESCAPE__).toBeUndefined();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'then')).toBe(false);
  expect(typeof process.exit).toBe('function');
  expect(process.exitCode).toBeUndefined();
  expect(typeof process.env.PATH).toBe('string');
}

function expectSafe(name: string, outcome: Outcome): void {
  const expected = EXPECTED[name];
  if ('value' in outcome) {
    expect(outcome.value.cpu, `${name} escaped (31337)`).not.toBe(31337);
    if (typeof expected === 'number') expect(outcome.value.cpu).toBe(expected);
    else expect(expected, `${name} should have failed, got ${JSON.stringify(outcome.value)}`).toBeUndefined();
  } else {
    expect(RUNTIME_CODES, `${name}: ${outcome.message}`).toContain(outcome.code);
    expect(outcome.message.length, 'messages stay short').toBeLessThan(600);
    if (Array.isArray(expected)) expect(expected, `${name}: ${outcome.message}`).toContain(outcome.code);
    else expect(expected, `${name}: ${outcome.message}`).toBeUndefined();
  }
}

describe('hostile corpus through defineTask + resolve', () => {
  it('has the corpus and our own cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(78 + 11);
  });

  it.each(corpus)('$name ends safely and the resolver keeps serving', async ({ name, source }) => {
    let task;
    try {
      task = defineTask({ name, params: ['params'], resources: { cpu: source, memory: 1 } });
    } catch (error) {
      expect(isTaskresError(error), String(error)).toBe(true);
      expect(DEFINITION_CODES).toContain((error as { code: TaskresErrorCode }).code);
      if (EXPECTED[name] !== undefined) expect(EXPECTED[name]).toBe('definition');
      expectHostUntouched();
      return;
    }
    expect(EXPECTED[name], `${name} should have been rejected at definition time`).not.toBe('definition');
    // Twice, between benign evaluations that share its batches and threads.
    const outcomes = await Promise.all([
      settle(resolver.resolve(benign, args)),
      settle(resolver.resolve(task, args)),
      settle(resolver.resolve(benign, args)),
      settle(resolver.resolve(task, args)),
      settle(resolver.resolve(benign, args)),
    ]);
    for (const index of [0, 2, 4]) expect(outcomes[index]).toEqual({ value: { cpu: 6, memory: 1, storage: 2, gpu: 0 } });
    expectSafe(name, outcomes[1]!);
    expectSafe(name, outcomes[3]!);
    expectHostUntouched();
    expect(await settle(resolver.resolve(benign, args))).toEqual({ value: { cpu: 6, memory: 1, storage: 2, gpu: 0 } });
  }, 60_000);
});

describe('deadlines hold', () => {
  // Measured on a 2-core machine: 5-40 ms over timeoutMs; the bound below leaves room for noisy CI.
  const SLACK_MS = 400;
  const loops = ['dos-infinite-loop.js', 'dos-regex-catastrophic.js', 'thrown-getter-proxy.js', 'microtask-after-return.js', 'message-getter-loop.js', 'size-failure-loop.js', 'dos-throw-proxy.js'];
  it.each(loops)('%s is stopped within timeoutMs + slack', async (name) => {
    const { source } = corpus.find((entry) => entry.name === name)!;
    const task = defineTask({ name, params: ['params'], resources: { cpu: source, memory: 1 } });
    const started = performance.now();
    const outcome = await settle(resolver.resolve(task, args));
    const elapsedMs = performance.now() - started;
    expect('code' in outcome && ['TASKRES_TIMEOUT', 'TASKRES_FILE_SIZE', 'TASKRES_FUNCTION_THREW']).toContain('code' in outcome ? outcome.code : 'none');
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });
});

describe('process killers', () => {
  it('a wedged sandbox thread restarts the sandbox; each concurrent caller sees only its own outcome', async () => {
    const { source } = corpus.find((entry) => entry.name === 'dos-memory-array-fill.js')!;
    const killer = defineTask({ name: 'killer', params: ['params'], resources: { cpu: source, memory: 1 } });
    const counter = defineTask({ name: 'counter', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
    const startsBefore = resolver.sandboxStarts;
    const callers = Array.from({ length: 200 }, (_, i) => settle(resolver.resolve(counter, { n: (i % 100) + 1 })));
    const victim = settle(resolver.resolve(killer, args));
    const more = Array.from({ length: 200 }, (_, i) => settle(resolver.resolve(counter, { n: (i % 50) + 1 })));
    const [killed, ...benignOutcomes] = await Promise.all([victim, ...callers, ...more]);
    expect('code' in killed! && killed.code).toMatch(/TASKRES_(TIMEOUT|MEMORY_LIMIT)/);
    benignOutcomes.forEach((outcome, i) => {
      const n = i < 200 ? (i % 100) + 1 : ((i - 200) % 50) + 1;
      expect(outcome).toMatchObject({ value: { cpu: n } });
    });
    expect(resolver.sandboxStarts).toBeGreaterThan(startsBefore);
    expectHostUntouched();
  }, 60_000);
});
