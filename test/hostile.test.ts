/**
 * Hostile resource functions through the public API, each with its exact expected outcome.
 *
 * Our own corpus (test/hostile, one `// expect:` line per file) always runs; the corpus of
 * ../shared/hostile runs too when it is present beside the repository, against the table in
 * helpers/shared-hostile-expectations.ts. Every hostile function runs twice on one resolver,
 * interleaved with "spy targets": benign tenants that match regexes against their own secret
 * file paths, draw random numbers and read sizes, whose exact results are checked. A hostile
 * function that sees a neighbour's secret returns 31337, which no expectation allows.
 */
import { existsSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TaskFile,
  createResolver,
  defineTask,
  isTaskresError,
  type Resources,
  type TaskresErrorCode,
} from '../dist/index.js';
import { makeFiles } from './helpers/files.js';
import {
  formatExpectation,
  formatOutcome,
  matches,
  parseExpectationText,
  readCorpus,
  readExpectation,
  type Expectation,
  type Outcome,
} from './helpers/hostile.js';
import { SHARED_HOSTILE_EXPECTATIONS } from './helpers/shared-hostile-expectations.js';

const OURS = new URL('./hostile/', import.meta.url);
const SHARED = new URL('../../shared/hostile/', import.meta.url);
const sharedPresent = existsSync(SHARED);

interface Case {
  corpus: 'ours' | 'shared';
  name: string;
  source: string;
  /** The parsed expectation, or why there is none. */
  expectation: Expectation | { error: string };
}

function expectationOf(read: () => Expectation | undefined): Expectation | { error: string } {
  try {
    return read() ?? { error: 'no "// expect:" line in its leading comments' };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const ourCases: Case[] = readCorpus(OURS).map(({ name, source }) => ({
  corpus: 'ours',
  name,
  source,
  expectation: expectationOf(() => readExpectation(source)),
}));
const sharedCases: Case[] = sharedPresent
  ? readCorpus(SHARED).map(({ name, source }) => ({
      corpus: 'shared',
      name,
      source,
      expectation: expectationOf(() => {
        const text = SHARED_HOSTILE_EXPECTATIONS[name];
        return text === undefined ? undefined : parseExpectationText(text);
      }),
    }))
  : [];
const corpus = [...ourCases, ...sharedCases];
const byName = (name: string): Case => {
  const found = corpus.find((entry) => entry.name === name);
  if (!found) throw new Error(`no hostile file named ${name}`);
  return found;
};

// Legal hostile work (deep recursion with stack formatting) takes ~30 ms here, up to 8x that on a
// loaded 2-core machine; 500 ms keeps every expected value a value while endless loops stay short.
const TIMEOUT_MS = 500;
const SECRET = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
const fixtures = makeFiles({ 'a.fq': 1000, 'b.fq': 2000, 'c.fq': 3000, 'FAIL.fq': 4000 });
const secrets = makeFiles({ [`SECRET-${SECRET}-a.fq`]: 5000, [`SECRET-${SECRET}-b.fq`]: 7000, [`SECRET-${SECRET}-unnamed.fq`]: 9000 });
const secretPath = (suffix: string): string => secrets.path(`SECRET-${SECRET}-${suffix}.fq`);

// A cpu limit above 31337, so that an escape reporting 31337 shows as a fulfilled value.
const LIMITS = { cpu: { min: 0, max: 1_000_000 } };
const resolver = createResolver({ threads: 2, timeoutMs: TIMEOUT_MS, limits: LIMITS, overLimit: 'error' });

// INDEX.md's arguments for ../shared/hostile; ours add a file that does not exist.
const hostileFiles = (): TaskFile[] => ['a.fq', 'b.fq', 'c.fq'].map((name) => new TaskFile(fixtures.path(name)));
const sharedArgs = { params: { files: hostileFiles(), count: 3 } };
const ourArgs = { params: { files: hostileFiles(), count: 3, missing: new TaskFile(fixtures.path('missing.fq')) } };

/**
 * A tenant worth spying on: it matches regexes against its secret paths (leaving the secret in
 * RegExp's legacy statics), draws random numbers (moving Math.random's hidden cache), and reads
 * the size of its first file only (the second, also secret, is never read).
 */
const spy = defineTask({
  name: 'spy_target',
  params: ['params'],
  resources: {
    cpu: `({ params }) => {
      let noise = 0;
      for (let i = 0; i < 5; i++) noise += Math.floor(Math.random() * 0);
      const m = /SECRET-([a-z0-9]+)/.exec(params.files[0].path);
      const again = /SECRET-([a-z0-9]+)/.test(params.files[1].path) ? 0 : 100;
      return (m ? m[1].length : 0) + params.count + noise + again;
    }`,
    memory: 1,
    storage: '({ params }) => Math.ceil(params.files[0].size() / 1000)',
  },
});
const spyArgs = { params: { files: [new TaskFile(secretPath('a')), new TaskFile(secretPath('b'))], count: 3 } };
const SPY_RESULT = { value: { cpu: SECRET.length + 3, memory: 1, storage: 5, gpu: 0 } };

afterAll(async () => {
  await resolver.close();
  fixtures.cleanup();
  secrets.cleanup();
});

type Settled = { value: Resources } | { code: TaskresErrorCode; message: string };
const settle = (promise: Promise<Resources>): Promise<Settled> =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => {
      if (!isTaskresError(error)) throw new Error(`not a TaskresError: ${String(error)}`);
      return { code: error.code, message: error.message };
    },
  );
const cpuOutcome = (settled: Settled): Outcome => ('value' in settled ? { value: settled.value.cpu } : settled);

function defineHostile(entry: Case): { task: ReturnType<typeof defineTask> } | { outcome: Outcome } {
  try {
    return { task: defineTask({ name: 'hostile', params: ['params'], resources: { cpu: entry.source, memory: 1 } }) };
  } catch (error) {
    if (!isTaskresError(error)) throw new Error(`${entry.name}: defineTask threw a raw ${String(error).slice(0, 200)}`);
    return { outcome: { definition: error.code, message: error.message } };
  }
}

function expectHostUntouched(): void {
  expect((globalThis as Record<string, unknown>).__HOSTILE_ESCAPE__).toBeUndefined();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'then')).toBe(false);
  expect(typeof process.exit).toBe('function');
  expect(process.exitCode).toBeUndefined();
  expect(typeof process.env.PATH).toBe('string');
}

function expectOutcome(entry: Case, outcome: Outcome): void {
  const expectation = entry.expectation;
  if ('error' in expectation) throw new Error(`${entry.name}: ${expectation.error}`);
  expect(matches(expectation, outcome), `${entry.name}: expected ${formatExpectation(expectation)}, got ${formatOutcome(outcome)}`).toBe(true);
  if ('message' in outcome) expect(outcome.message.length, `${entry.name}: messages stay short`).toBeLessThan(600);
}

describe('hostile corpus: expectations', () => {
  it('our corpus covers every attack class', () => {
    const prefixes = new Set(ourCases.map((entry) => entry.name.split('-')[0]));
    for (const prefix of ['loop', 'regex', 'recursion', 'microtask', 'memory', 'badout', 'poison', 'pollution', 'delete', 'throw', 'escape', 'forged', 'parser', 'regexp', 'hidden', 'huge', 'override', 'intl', 'atomics', 'wasm']) {
      expect(prefixes, `no case of class ${prefix}`).toContain(prefix);
    }
    expect(ourCases.length).toBeGreaterThanOrEqual(130);
  });

  it('every file of test/hostile has exactly one well-formed expectation line', () => {
    const broken = ourCases.filter((entry) => 'error' in entry.expectation).map((entry) => `${entry.name}: ${(entry.expectation as { error: string }).error}`);
    expect(broken).toEqual([]);
  });

  it('every expectation of the shared table parses, and covers exactly the files of ../shared/hostile when present', () => {
    for (const [name, text] of Object.entries(SHARED_HOSTILE_EXPECTATIONS)) {
      expect(() => parseExpectationText(text), name).not.toThrow();
    }
    if (sharedPresent) expect(Object.keys(SHARED_HOSTILE_EXPECTATIONS).sort()).toEqual(sharedCases.map((entry) => entry.name));
    else expect(sharedCases).toEqual([]);
  });

  it('the expectation parser rejects malformed lines and reads all three forms', () => {
    expect(parseExpectationText(' value 0 ')).toEqual({ kind: 'value', value: 0 });
    expect(parseExpectationText('TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT')).toEqual({ kind: 'codes', codes: ['TASKRES_MEMORY_LIMIT', 'TASKRES_TIMEOUT'] });
    expect(parseExpectationText('definition TASKRES_UNSERIALIZABLE')).toEqual({ kind: 'definition', code: 'TASKRES_UNSERIALIZABLE' });
    for (const bad of ['', 'value', 'value 1.5', 'safe', 'TASKRES_TIMEOUT |', 'definition', 'definition 3']) {
      expect(() => parseExpectationText(bad), bad).toThrow(/malformed|not an error code/);
    }
    expect(readExpectation('// technique: x\nfunction (params) { return 0; }')).toBeUndefined();
    expect(() => readExpectation('// expect: value 0\n// expect: value 1\nfunction (params) { return 0; }')).toThrow(/2 expectation lines/);
    // -0 is not 0: a -0 result must be normalised, not tolerated.
    expect(matches({ kind: 'value', value: 0 }, { value: -0 })).toBe(false);
  });
});

describe('hostile corpus through defineTask + resolve, beside tenants worth spying on', () => {
  it.each(corpus)('$corpus/$name gets exactly its expected outcome, twice; its neighbours keep theirs', async (entry) => {
    const defined = defineHostile(entry);
    if ('outcome' in defined) {
      expectOutcome(entry, defined.outcome);
      expectHostUntouched();
      return;
    }
    const args = entry.corpus === 'ours' ? ourArgs : sharedArgs;
    // Twice, between spy targets that share its batches and threads.
    const settled = await Promise.all([
      settle(resolver.resolve(spy, spyArgs)),
      settle(resolver.resolve(defined.task, args)),
      settle(resolver.resolve(spy, spyArgs)),
      settle(resolver.resolve(defined.task, args)),
      settle(resolver.resolve(spy, spyArgs)),
    ]);
    const problems: string[] = [];
    for (const index of [1, 3]) {
      const outcome = cpuOutcome(settled[index]!);
      const expectation = entry.expectation;
      if ('error' in expectation) problems.push(expectation.error);
      else if (!matches(expectation, outcome)) problems.push(`run ${index === 1 ? 1 : 2}: expected ${formatExpectation(expectation)}, got ${formatOutcome(outcome)}`);
    }
    for (const index of [0, 2, 4]) {
      const outcome = settled[index]!;
      if (JSON.stringify(outcome) !== JSON.stringify(SPY_RESULT)) problems.push(`neighbour ${index}: expected ${JSON.stringify(SPY_RESULT.value)}, got ${JSON.stringify(outcome).slice(0, 240)}`);
    }
    expect(problems, entry.name).toEqual([]);
    expectHostUntouched();
    expect(await settle(resolver.resolve(spy, spyArgs))).toEqual(SPY_RESULT);
  }, 60_000);
});

describe('size lookups belong to the evaluation that made them', () => {
  const asked: string[] = [];
  const recording = createResolver({
    threads: 2,
    timeoutMs: TIMEOUT_MS,
    limits: LIMITS,
    fileSize: (file) => {
      asked.push(file.path);
      if (file.path.includes('FAIL')) throw new Error('this provider fails for FAIL files');
      return statSync(file.path).size;
    },
  });
  afterAll(() => recording.close());

  it('a job whose size() lookups fail does not make any other job fail, even jobs that hold the same file', async () => {
    const failing = defineTask({ name: 'failing', params: ['params'], resources: { cpu: '({ params }) => { try { params.files[0].size(); } catch (e) {} return 1; }', memory: 1 } });
    const looping = defineTask({ name: 'looping', params: ['params'], resources: { cpu: byName('size-failure-loop.js').source, memory: 1 } });
    // Asks the host about every file index of the batch (today it can); whatever it reaches must
    // not be charged to the jobs that own those files.
    const forging = defineTask({ name: 'forging', params: ['params'], resources: { cpu: byName('forged-constructor-new.js').source, memory: 1 } });
    const benign = defineTask({ name: 'benign', params: ['params'], resources: { cpu: '({ params }) => Math.ceil(params.files[0].size() / 1000) + params.count', memory: 1 } });
    const fail = new TaskFile(fixtures.path('FAIL.fq'));
    const good = (name: string): TaskFile => new TaskFile(fixtures.path(name));
    const benignArgs = (name: string, count: number) => ({ params: { files: [good(name), fail], count } });
    // One args object for a job that reads the failing file and one that reads only the good one.
    const sameArgs = { params: { files: [fail, good('b.fq')], count: 9 } };
    const readsSecond = defineTask({ name: 'reads_second', params: ['params'], resources: { cpu: '({ params }) => Math.ceil(params.files[1].size() / 1000) + params.count', memory: 1 } });
    const summary = (settled: Settled): number | string => ('code' in settled ? settled.code : settled.value.cpu);
    const problems: string[] = [];
    for (let round = 0; round < 3; round++) {
      const settled = await Promise.all([
        settle(recording.resolve(forging, ourArgs)),
        settle(recording.resolve(benign, benignArgs('a.fq', 1))),
        settle(recording.resolve(failing, { params: { files: [fail, good('a.fq')], count: 0 } })),
        settle(recording.resolve(benign, benignArgs('b.fq', 2))),
        settle(recording.resolve(looping, { params: { files: [good('c.fq')], count: 0, missing: fail } })),
        settle(recording.resolve(benign, benignArgs('c.fq', 3))),
        settle(recording.resolve(failing, { params: { files: [fail], count: 0 } })),
        settle(recording.resolve(benign, benignArgs('a.fq', 4))),
        settle(recording.resolve(failing, sameArgs)),
        settle(recording.resolve(readsSecond, sameArgs)),
      ]);
      const got = settled.map(summary);
      const want: (number | string)[] = [0, 2, 'TASKRES_FILE_SIZE', 4, String(got[4]), 6, 'TASKRES_FILE_SIZE', 5, 'TASKRES_FILE_SIZE', 11];
      if (!['TASKRES_FILE_SIZE', 'TASKRES_TIMEOUT'].includes(String(got[4]))) want[4] = 'TASKRES_FILE_SIZE | TASKRES_TIMEOUT';
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`round ${round}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
      const many = await recording.resolveMany([
        { task: failing, args: { params: { files: [fail], count: 0 } } },
        { task: benign, args: benignArgs('b.fq', 7) },
        { task: benign, args: benignArgs('c.fq', 8) },
      ]);
      const manyGot = many.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.cpu : isTaskresError(outcome.reason) ? outcome.reason.code : 'raw'));
      if (JSON.stringify(manyGot) !== JSON.stringify(['TASKRES_FILE_SIZE', 9, 11])) problems.push(`round ${round}, resolveMany: expected ["TASKRES_FILE_SIZE",9,11], got ${JSON.stringify(manyGot)}`);
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('providers are asked only for files a function read, whatever its neighbours forge', async () => {
    asked.length = 0;
    const twoParams = defineTask({ name: 'two_params', params: ['named', 'unnamed'], resources: { cpu: '({ named }) => Math.ceil(named.size() / 1000)', memory: 1 } });
    const forgers = ['forged-constructor-new.js', 'forged-reflect-construct.js', 'forged-odd-indexes.js', 'forged-prototype-size-call.js', 'forged-retarget-path.js'].map((name) => ({
      entry: byName(name),
      task: defineTask({ name: 'forger', params: ['params'], resources: { cpu: byName(name).source, memory: 1 } }),
    }));
    const twoArgs = { named: new TaskFile(secretPath('a')), unnamed: new TaskFile(secretPath('unnamed')) };
    const problems: string[] = [];
    for (const forger of forgers) {
      const settled = await Promise.all([
        settle(recording.resolve(spy, spyArgs)),
        settle(recording.resolve(twoParams, twoArgs)),
        settle(recording.resolve(forger.task, ourArgs)),
        settle(recording.resolve(twoParams, twoArgs)),
        settle(recording.resolve(forger.task, ourArgs)),
        settle(recording.resolve(spy, spyArgs)),
      ]);
      const name = forger.entry.name;
      for (const index of [0, 5]) if (JSON.stringify(settled[index]) !== JSON.stringify(SPY_RESULT)) problems.push(`${name}: spy ${index} got ${JSON.stringify(settled[index]).slice(0, 200)}`);
      for (const index of [1, 3]) if (!('value' in settled[index]!) || settled[index].value.cpu !== 5) problems.push(`${name}: two-parameter job ${index} got ${JSON.stringify(settled[index]).slice(0, 200)}`);
      for (const index of [2, 4]) {
        const outcome = cpuOutcome(settled[index]!);
        const expectation = forger.entry.expectation as Expectation;
        if (!matches(expectation, outcome)) problems.push(`${name}: expected ${formatExpectation(expectation)}, got ${formatOutcome(outcome)}`);
      }
    }
    // The spy never reads its second file, nor the two-parameter task its `unnamed` one.
    const unread = asked.filter((path) => path === secretPath('b') || path === secretPath('unnamed'));
    if (unread.length > 0) problems.push(`the provider was asked ${unread.length} times for files no function read`);
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('the override mistake: keys named like Object.prototype methods are ordinary data', () => {
  it('data keys constructor, toString, valueOf and hasOwnProperty reach the function', async () => {
    const task = defineTask({
      name: 'override_data',
      params: ['params'],
      resources: { cpu: '({ params }) => params.data.constructor + params.data.toString + params.data.valueOf + params.data.hasOwnProperty', memory: 1 },
    });
    const settled = await settle(resolver.resolve(task, { params: { data: { constructor: 4, toString: 5, valueOf: 6, hasOwnProperty: 7 } } }));
    expect(settled).toEqual({ value: { cpu: 22, memory: 1, storage: expect.any(Number), gpu: 0 } });
  });

  it.each([
    ['an object pattern', '({ constructor, toString, valueOf }) => constructor + toString + valueOf'],
    ['plain identifiers', '(constructor, toString, valueOf) => constructor + toString + valueOf'],
    ['a rest element', '({ ...rest }) => rest.constructor + rest.toString + rest.valueOf'],
  ])('parameters named constructor, toString and valueOf bind through %s', async (_, cpu) => {
    const task = defineTask({ name: 'override_params', params: ['constructor', 'toString', 'valueOf'], resources: { cpu, memory: 1 } });
    const settled = await settle(resolver.resolve(task, { constructor: 1, toString: 2, valueOf: 3 }));
    expect(settled).toEqual({ value: { cpu: 6, memory: 1, storage: expect.any(Number), gpu: 0 } });
  });
});

describe('huge sources are refused at definition, quickly', () => {
  it.each([
    ['17 million characters', `function (params) { return 0; /* ${'x'.repeat(17_000_000)} */ }`],
    ['4.8 MiB of nested blocks and identifiers', `function (params) { ${'{ var a; '.repeat(50_000)}${'}'.repeat(50_000)} return 0; }`.padEnd(4.8 * 1024 * 1024, ' ')],
  ])('%s: TASKRES_UNSERIALIZABLE within 2 s', (_, source) => {
    const started = performance.now();
    let thrown: unknown;
    try {
      defineTask({ name: 'huge', params: ['params'], resources: { cpu: source, memory: 1 } });
    } catch (error) {
      thrown = error;
    }
    expect(isTaskresError(thrown) && thrown.code, String(thrown).slice(0, 200)).toBe('TASKRES_UNSERIALIZABLE');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('deadlines hold', () => {
  // Measured on a quiet 2-core machine: 5-40 ms over timeoutMs; at load 10 up to ~480 ms (the
  // process is not scheduled, not the sandbox late). The bound is the watchdog's grace (timeoutMs
  // + 1 s before a thread counts as wedged) plus room for a busy machine: a loop that escaped its
  // deadline would run for the whole test timeout.
  const SLACK_MS = 1500;
  const loops = [
    'loop-labelled-continue.js', 'regex-words.js', 'thrown-getter-proxy.js',
    'message-getter-loop.js', 'size-failure-loop.js', 'exponential-recursion.js',
    ...(sharedPresent ? ['dos-infinite-loop.js', 'dos-regex-catastrophic.js', 'dos-throw-proxy.js'] : []),
  ];
  it.each(loops)('%s is stopped within timeoutMs + slack', async (name) => {
    const entry = byName(name);
    const defined = defineHostile(entry);
    if ('outcome' in defined) throw new Error(`${name} was refused at definition: ${formatOutcome(defined.outcome)}`);
    const started = performance.now();
    const outcome = cpuOutcome(await settle(resolver.resolve(defined.task, entry.corpus === 'ours' ? ourArgs : sharedArgs)));
    const elapsedMs = performance.now() - started;
    expectOutcome(entry, outcome);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });
});

describe('process killers', () => {
  const killers = ['loop-builtin-indexof-arraylike.js', ...(sharedPresent ? ['dos-memory-array-fill.js'] : [])];
  it.each(killers)('%s: a wedged sandbox thread restarts the sandbox; each concurrent caller sees only its own outcome', async (name) => {
    const entry = byName(name);
    const killer = defineTask({ name: 'killer', params: ['params'], resources: { cpu: entry.source, memory: 1 } });
    const counter = defineTask({ name: 'counter', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
    const startsBefore = resolver.sandboxStarts;
    const callers = Array.from({ length: 200 }, (_, i) => settle(resolver.resolve(counter, { n: (i % 100) + 1 })));
    const victim = settle(resolver.resolve(killer, entry.corpus === 'ours' ? ourArgs : sharedArgs));
    const more = Array.from({ length: 200 }, (_, i) => settle(resolver.resolve(counter, { n: (i % 50) + 1 })));
    const [killed, ...benignOutcomes] = await Promise.all([victim, ...callers, ...more]);
    expectOutcome(entry, cpuOutcome(killed!));
    benignOutcomes.forEach((outcome, i) => {
      const n = i < 200 ? (i % 100) + 1 : ((i - 200) % 50) + 1;
      expect(outcome).toMatchObject({ value: { cpu: n } });
    });
    expect(resolver.sandboxStarts).toBeGreaterThan(startsBefore);
    expectHostUntouched();
  }, 60_000);
});
