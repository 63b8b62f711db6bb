/**
 * The hardened realm itself, in a real isolate with the real prelude: which intrinsics and
 * accessors survive hardening, and that nothing an evaluation can reach carries state. Plus
 * the pure decisions about who is blamed when a call or the sandbox process stops.
 */
import ivm from '../src/sandbox-worker/ivm.js';
import { afterAll, describe, expect, it } from 'vitest';
import { PRELUDE_SOURCE } from '../src/isolate/prelude.js';
import { ALLOWED_ACCESSORS } from '../src/isolate/intrinsics.js';
import { PROGRESS_EVALUATING, PROGRESS_SLICE_OVER, RESULT_BUFFER } from '../src/protocol/messages.js';
import { batchDeadlineMs } from '../src/resolver/supervisor.js';
import { crashFailure, judgeStoppedCall, type StoppedCall } from '../src/protocol/verdicts.js';

const isolate = new ivm.Isolate({ memoryLimit: 32 });
const context = isolate.createContextSync();
const shared = new SharedArrayBuffer(RESULT_BUFFER.bytes(8));
const setup = context.evalSync(PRELUDE_SOURCE, { reference: true }) as ivm.Reference<(...args: unknown[]) => unknown>;
setup.applySync(undefined, [new ivm.Callback(() => -1), new ivm.ExternalCopy(shared).copyInto({ release: true }), 8], { timeout: 5000 });
afterAll(() => isolate.dispose());

/** Runs `source` (an expression) in the hardened context and returns its JSON result. */
const inRealm = (source: string): unknown => JSON.parse(context.evalSync(`JSON.stringify(${source})`, { timeout: 2000 }) as string);

// Every accessor left in the realm, by first path from the global object (own properties
// before prototypes), and whether anything reachable is not frozen.
const SURVEY = `(() => {
  const seen = new Set(); const accessors = []; const unfrozen = [];
  const queue = [['', globalThis]]; const later = [];
  const hidden = [
    ['%TypedArray%', Object.getPrototypeOf(Int8Array)],
    ['%GeneratorPrototype%', Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()))],
    ['%AsyncFunction.prototype%', Object.getPrototypeOf(async function () {})],
    ['%ArrayIteratorPrototype%', Object.getPrototypeOf([][Symbol.iterator]())],
    ['%RegExpStringIteratorPrototype%', Object.getPrototypeOf(/a/[Symbol.matchAll]('a'))],
  ];
  queue.push(...hidden);
  while (queue.length || later.length) {
    const [path, value] = queue.length ? queue.shift() : later.shift();
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    if (!Object.isFrozen(value)) unfrozen.push(path);
    later.push([path + '.[[Prototype]]', Object.getPrototypeOf(value)]);
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key);
      const where = path + (typeof key === 'symbol' ? '[' + key.description + ']' : (path === '' ? '' : '.') + key);
      if ('value' in d) queue.push([where, d.value]);
      else { accessors.push(where); queue.push([where + '.get', d.get], [where + '.set', d.set]); }
    }
  }
  return { accessors, unfrozen };
})()`;

describe('the hardened realm', () => {
  const survey = inRealm(SURVEY) as { accessors: string[]; unfrozen: string[] };

  it('keeps only reviewed accessors: every one left is on the allowlist', () => {
    // The allowlist is written out here as well, so that changing either is a reviewed change.
    const reviewed = new Set(ALLOWED_ACCESSORS);
    expect(survey.accessors.filter((name) => !reviewed.has(name))).toEqual([]);
    expect(survey.accessors).toEqual(expect.arrayContaining(['Map.prototype.size', 'Object.prototype.__proto__', 'RegExp.prototype.flags']));
  });

  it('has no RegExp legacy statics: a match leaves nothing on RegExp to read or plant', () => {
    const statics = ['input', '$_', 'lastMatch', '$&', 'leftContext', '$`', 'rightContext', "$'", 'lastParen', '$+', '$1', '$9'];
    expect(inRealm(`(/(SECRET-\\w+)/.exec('/data/SECRET-abc.fq'), ${JSON.stringify(statics)}.filter((k) => k in RegExp))`)).toEqual([]);
  });

  it('freezes everything reachable from the global object and the hidden intrinsics', () => {
    expect(survey.unfrozen).toEqual([]);
  });

  it('has no globals beyond the standard ones the definition check allows', () => {
    const globals = inRealm('Reflect.ownKeys(globalThis).map(String)') as string[];
    for (const removed of ['eval', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'WeakRef', 'FinalizationRegistry', 'Intl', 'console']) {
      expect(globals).not.toContain(removed);
    }
  });

  it('refuses code from strings through every Function constructor', () => {
    expect(
      inRealm(`[(function(){}).constructor, (async function(){}).constructor, (function*(){}).constructor, (async function*(){}).constructor].map((F) => { try { F('return 1'); return 'made'; } catch (e) { return e.name; } })`),
    ).toEqual(['EvalError', 'EvalError', 'EvalError', 'EvalError']);
  });
});

describe('judgeStoppedCall: who is blamed for a stopped call', () => {
  const call = (over: Partial<StoppedCall>): StoppedCall => ({
    start: 0,
    oneByOne: false,
    reached: 0,
    progressState: PROGRESS_EVALUATING,
    failure: 'timeout',
    jobs: 3,
    ...over,
  });
  it.each([
    ['nothing loaded, several jobs: each re-runs alone', call({ reached: -1 }), { kind: 'load-failed', retryAlone: true }],
    ['nothing loaded, one job: it fails', call({ reached: -1, jobs: 1 }), { kind: 'load-failed', retryAlone: false }],
    ['one-by-one call: its evaluation', call({ start: 4, oneByOne: true, reached: 4 }), { kind: 'culprit', index: 4, next: 5 }],
    ['stopped in the first evaluation of a shared call', call({ start: 2, reached: 2 }), { kind: 'culprit', index: 2, next: 3 }],
    ['microtasks of the only evaluation after the slice', call({ start: 2, reached: 3, progressState: PROGRESS_SLICE_OVER }), { kind: 'culprit', index: 2, next: 3 }],
    ['timeout in a later evaluation: it, then re-run those before', call({ start: 0, reached: 5 }), { kind: 'culprit-then-rerun', index: 5, rerunUntil: 5 }],
    ['memory in a later evaluation: anyone up to it', call({ start: 0, reached: 5, failure: 'memory' }), { kind: 'rerun', rerunUntil: 6 }],
    ['microtasks after a slice of several: all of them', call({ start: 0, reached: 5, progressState: PROGRESS_SLICE_OVER }), { kind: 'rerun', rerunUntil: 5 }],
  ])('%s', (_, input, verdict) => {
    expect(judgeStoppedCall(input, 10)).toEqual(verdict);
  });
});

describe('lost sandbox process', () => {
  it.each([
    ['wedged', 'TASKRES_TIMEOUT'],
    ['memory', 'TASKRES_MEMORY_LIMIT'],
    ['process-memory', 'TASKRES_MEMORY_LIMIT'],
    ['exited', 'TASKRES_FUNCTION_THREW'],
  ] as const)('a %s process gives %s', (reason, code) => {
    expect(crashFailure({ reason, detail: 'x' }).code).toBe(code);
  });
  it('gives every batch a deadline that grows with its evaluations and covers the watchdog grace', () => {
    expect(batchDeadlineMs(1, 100)).toBeGreaterThan(2 * (100 + 1000));
    expect(batchDeadlineMs(1000, 100)).toBeGreaterThan(1000 * 2 * 100);
    expect(batchDeadlineMs(1, 100)).toBeLessThan(10_000);
  });
});
