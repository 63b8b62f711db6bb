/**
 * The code that runs inside every isolate before any user code: it hardens the context and
 * returns the runner that evaluates user functions. Kept as source text because it is
 * evaluated inside the isolate, never in the host.
 *
 * Hardening, in order:
 * 1. capture the intrinsics the runner needs, so user code cannot swap them;
 * 2. delete every global that is not a standard ECMAScript global the definition-time
 *    check allows (so eval, WebAssembly, SharedArrayBuffer, Atomics, WeakRef,
 *    FinalizationRegistry and V8's console go) and make every Function constructor refuse
 *    source text;
 * 3. define pure versions of compiler helpers (`__name`, ...) and the file class;
 * 4. deep-freeze every intrinsic reachable from the global object, then the global itself,
 *    so nothing one evaluation does is visible to the next in the same context.
 *
 * The runner turns every outcome into a primitive inside the timed call: a number written to
 * shared memory, or a short string. Objects never leave the isolate, so no attacker getter,
 * Proxy trap or thenable ever runs in the host.
 */

import { SANDBOX_GLOBALS } from '../definition/globals.js';

/** Status of one evaluation in the shared result buffer. */
export const EVAL_STATUS = { pending: 0, number: 1, threw: 2, invalid: 3 } as const;

/** progress[1] of the shared buffer: what the call was doing when it stopped. */
export const PROGRESS_EVALUATING = 1;
export const PROGRESS_SLICE_OVER = 2;

/** The longest message the runner passes out for one evaluation. */
export const MAX_MESSAGE_CHARS = 200;

/**
 * A script evaluating to `setup(hostFileSize, sharedBuffer, capacity)`, which hardens the
 * context and returns `[register, run]`.
 */
export const PRELUDE_SOURCE = String.raw`(function setup(hostFileSize, shared, capacity) {
  'use strict';
  const { freeze, getPrototypeOf, getOwnPropertyDescriptor, defineProperty, defineProperties, getOwnPropertyDescriptors, keys: objectKeys, assign } = Object;
  const { ownKeys, apply } = Reflect;
  const isArray = Array.isArray;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const now = Date.now;
  const StringOf = String;
  const ErrorClass = Error;
  const PromiseClass = Promise;
  const sliceString = String.prototype.slice;
  const hasOwn = Object.hasOwn;
  const MAX = ${MAX_MESSAGE_CHARS};

  // progress[0]: the evaluation running, or the next one once the slice is over;
  // progress[1]: whether an evaluation runs or the slice is over (then microtasks may run).
  const progress = new Int32Array(shared, 0, 2);
  const status = new Uint8Array(shared, 8, capacity);
  const values = new Float64Array(shared, 8 + Math.ceil(capacity / 8) * 8, capacity);

  // 2. Keep only the standard globals the definition-time check allows; delete everything
  //    else (eval, WebAssembly, SharedArrayBuffer, Atomics, WeakRef, FinalizationRegistry,
  //    and whatever the engine adds, such as V8's console).
  const allowed = new Set(${JSON.stringify([...SANDBOX_GLOBALS])});
  for (const name of ownKeys(globalThis)) {
    if (typeof name !== 'string' || !allowed.has(name)) delete globalThis[name];
  }
  const NoCodeFromStrings = function Function() {
    throw new EvalError('taskres: creating functions from source text is disabled in the sandbox');
  };
  const functionConstructors = [
    Function,
    getPrototypeOf(async function () {}).constructor,
    getPrototypeOf(function* () {}).constructor,
    getPrototypeOf(async function* () {}).constructor,
  ];
  for (const F of functionConstructors) defineProperty(F.prototype, 'constructor', { value: NoCodeFromStrings });
  NoCodeFromStrings.prototype = Function.prototype;
  defineProperty(globalThis, 'Function', { value: NoCodeFromStrings, writable: false, configurable: false });

  // 3. Compiler helpers that TypeScript builds insert (pure, frozen with the rest).
  const omit = (source, excluded) => {
    const target = {};
    for (const key of ownKeys(source)) {
      const descriptor = getOwnPropertyDescriptor(source, key);
      if (descriptor && descriptor.enumerable && excluded.indexOf(key) < 0) target[key] = source[key];
    }
    return target;
  };
  const helpers = {
    __name: (target, value) => { try { defineProperty(target, 'name', { value, configurable: true }); } catch {} return target; },
    __assign: assign,
    __rest: omit,
    __objRest: omit,
    __spreadValues: (a, b) => assign(a, b),
    __spreadProps: (a, b) => defineProperties(a, getOwnPropertyDescriptors(b)),
    __spreadArray: (to, from) => to.concat(Array.prototype.slice.call(from)),
  };
  for (const name of objectKeys(helpers)) defineProperty(globalThis, name, { value: helpers[name], enumerable: false });

  // A task file: path, name and a synchronous size() answered by the host, once per object.
  // The file's index is a private field, so no code can ask the host about another file.
  class TaskFile {
    #index;
    #size = -1;
    constructor(index, path, name) {
      this.#index = index;
      this.path = path;
      this.name = name;
    }
    size() {
      if (this.#size < 0) {
        const bytes = hostFileSize(this.#index);
        if (typeof bytes !== 'number' || bytes < 0) throw new ErrorClass('size() failed for ' + apply(sliceString, StringOf(this.path), [0, MAX]));
        this.#size = bytes;
      }
      return this.#size;
    }
  }
  freeze(TaskFile.prototype);
  freeze(TaskFile);

  // 4. Deep-freeze every intrinsic, reachable or hidden.
  const roots = [
    globalThis,
    getPrototypeOf(function* () {}),
    getPrototypeOf(async function () {}),
    getPrototypeOf(async function* () {}),
    getPrototypeOf((function* () {})()),
    getPrototypeOf((async function* () {})()),
    getPrototypeOf([][Symbol.iterator]()),
    getPrototypeOf(new Map().entries()),
    getPrototypeOf(new Set().values()),
    getPrototypeOf(''[Symbol.iterator]()),
    getPrototypeOf(/a/[Symbol.matchAll]('a')),
    getPrototypeOf(Int8Array),
    (function () { return getOwnPropertyDescriptor(arguments, 'callee').get; })(),
  ];
  const seen = new Set();
  while (roots.length > 0) {
    const value = roots.pop();
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    if (value === shared || ArrayBuffer.isView(value)) continue;
    freeze(value);
    roots.push(getPrototypeOf(value));
    for (const key of ownKeys(value)) {
      const descriptor = getOwnPropertyDescriptor(value, key);
      if (!descriptor) continue;
      if ('value' in descriptor) roots.push(descriptor.value);
      else roots.push(descriptor.get, descriptor.set);
    }
  }
  seen.clear();

  // The runner.
  const functions = [];
  let batch = { jobs: [] };
  // Per job: the batch index of its first file. Per file of the batch: [path, name].
  let bases = [];
  let files = [];
  // Per evaluation: its job and its function.
  let evaluationJobs = [];
  let evaluationFunctions = [];

  const register = (id, fn, style, names, rest) => {
    freeze(fn);
    if (fn.prototype) freeze(fn.prototype);
    functions[id] = { fn, style, names: parse(names), rest };
  };

  const load = (payload, fnIds) => {
    batch = parse(payload);
    const ids = parse(fnIds);
    evaluationJobs = [];
    evaluationFunctions = [];
    const jobs = batch.jobs;
    bases = [];
    files = [];
    for (let j = 0; j < jobs.length; j++) {
      bases.push(files.length);
      const jobFiles = jobs[j][1];
      for (let f = 0; f < jobFiles.length; f++) files.push(jobFiles[f]);
      const sources = jobs[j][0];
      for (let k = 0; k < sources.length; k++) {
        evaluationJobs.push(j);
        evaluationFunctions.push(functions[ids[sources[k]]]);
      }
    }
  };

  // Copies a job's parameter into a fresh value for one evaluation, reviving file markers
  // (numbered per job; the job's files start at index base of the batch's file list).
  const copy = (value, base) => {
    if (typeof value !== 'object' || value === null) return value;
    if (isArray(value)) {
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = copy(value[i], base);
      return out;
    }
    const marker = value.$file;
    if (typeof marker === 'number') {
      const index = base + marker;
      const entry = files[index];
      return new TaskFile(index, entry[0], entry[1]);
    }
    const out = {};
    for (const key of objectKeys(value)) {
      if (key === '__proto__') defineProperty(out, key, { value: copy(value[key], base), enumerable: true, writable: true, configurable: true });
      else out[key] = copy(value[key], base);
    }
    return out;
  };

  const text = (value) => apply(sliceString, value, [0, MAX]);

  const describeThrown = (thrown) => {
    try {
      switch (typeof thrown) {
        case 'undefined': return 'threw undefined';
        case 'symbol': return 'threw a symbol';
        case 'function': return 'threw a function';
        case 'string': return text(thrown);
        case 'number': case 'boolean': case 'bigint': return 'threw ' + text(StringOf(thrown));
        default: {
          if (thrown === null) return 'threw null';
          const message = thrown.message;
          if (typeof message !== 'string') return 'threw an object without a message';
          const name = thrown.name;
          return (typeof name === 'string' ? text(name) + ': ' : '') + text(message);
        }
      }
    } catch {
      return 'threw a value whose message could not be read';
    }
  };

  const describeResult = (result) => {
    try {
      switch (typeof result) {
        case 'undefined': return 'undefined (did the function forget to return?)';
        case 'string': return 'the string ' + stringify(text(result)) + (result.length > MAX ? ' (' + result.length + ' chars)' : '');
        case 'bigint': return 'the bigint ' + text(StringOf(result)) + 'n';
        case 'boolean': return 'the boolean ' + result;
        case 'symbol': return 'a symbol';
        case 'function': return 'a function';
        default:
          if (result === null) return 'null';
          if (result instanceof PromiseClass) return 'a Promise (resource functions are synchronous: return a number)';
          return isArray(result) ? 'an array' : 'an object';
      }
    } catch {
      return 'an object';
    }
  };

  const evaluate = (i, messages) => {
    const entry = evaluationFunctions[i];
    const j = evaluationJobs[i];
    const base = bases[j];
    const job = batch.jobs[j][2];
    let result;
    try {
      if (entry.style === 'object') {
        const argument = {};
        const names = entry.rest ? objectKeys(job) : entry.names;
        for (let n = 0; n < names.length; n++) argument[names[n]] = copy(job[names[n]], base);
        result = apply(entry.fn, undefined, [argument]);
      } else {
        const args = new Array(entry.names.length);
        for (let n = 0; n < args.length; n++) args[n] = copy(job[entry.names[n]], base);
        result = apply(entry.fn, undefined, args);
      }
    } catch (thrown) {
      status[i] = ${EVAL_STATUS.threw};
      messages.push(i, describeThrown(thrown));
      return;
    }
    if (typeof result === 'number') {
      values[i] = result;
      status[i] = ${EVAL_STATUS.number};
    } else {
      status[i] = ${EVAL_STATUS.invalid};
      messages.push(i, describeResult(result));
    }
  };

  // Evaluates from start until the end of the batch or until sliceMs have passed; at least one.
  // A new batch may be loaded in the same call (one isolate entry instead of two).
  const run = (start, sliceMs, payload, fnIds) => {
    if (payload !== undefined) load(payload, fnIds);
    if (sliceMs < 0) return start;
    const began = now();
    const messages = [];
    const end = evaluationJobs.length;
    let i = start;
    progress[1] = ${PROGRESS_EVALUATING};
    while (i < end) {
      progress[0] = i;
      evaluate(i, messages);
      i++;
      if (now() - began >= sliceMs) break;
    }
    progress[0] = i;
    progress[1] = ${PROGRESS_SLICE_OVER};
    return messages.length === 0 ? i : stringify([i, messages]);
  };

  freeze(globalThis);
  return [register, run];
})`;
