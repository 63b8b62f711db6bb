/**
 * The code that runs inside every isolate before any user code: it hardens the context and
 * returns the runner that evaluates user functions. Kept as source text because it is
 * evaluated inside the isolate, never in the host.
 *
 * Hardening, in order, fail closed in the style of SES `lockdown()`:
 * 1. capture the intrinsics the runner needs, so user code cannot swap them;
 * 2. reach the intrinsics that only an operation reaches (iterator and generator
 *    prototypes, %ThrowTypeError%, the errors' `stack` accessor functions...: see
 *    ANONYMOUS_INTRINSICS), and make every Function constructor refuse source text;
 * 3. replace Math.random by a generator reseeded for every evaluation, and define pure
 *    versions of compiler helpers (`__name`, ...) and the file prototype;
 * 4. walk everything reachable from the global object and those intrinsics; delete every
 *    property that the permits table (intrinsics.ts) does not list, and every accessor not
 *    on its reviewed list (RegExp's legacy statics hold the last match of any regex: state
 *    that freezing does not reach); freeze every object. What a new engine adds is deleted
 *    before user code runs, so nothing one evaluation does is visible to the next in the
 *    same context. A property that cannot be deleted stops the setup: no isolate runs
 *    half-hardened.
 *
 * The runner turns every outcome into a primitive inside the timed call: a number written to
 * shared memory, or a short string. Objects never leave the isolate, so no attacker getter,
 * Proxy trap or thenable ever runs in the host.
 *
 * Files are capabilities: a file object is created for one evaluation from a parameter its
 * function named; its identity lives in private fields of a class that user code cannot
 * reach, so no file can be minted or re-targeted, and `size()` asks the host only while that
 * evaluation runs.
 */

import { ALLOWED_ACCESSORS, ANONYMOUS_INTRINSICS, FUNCTION_PERMITS, PERMITS, UNWALKED_GLOBALS } from './intrinsics.js';
import { THROWN_CLASSES } from '../protocol/failure.js';
import { MAX_PATTERN_CHARS, MAX_PROPERTY_ESCAPES, REVIEWED_REGEX_FLAGS } from '../protocol/regex-bounds.js';
import { EVAL_STATUS, PROGRESS_EVALUATING, PROGRESS_SLICE_OVER, RESULT_BUFFER, SIZE_REFUSED, STEP_REPLY } from '../protocol/messages.js';

/** The longest message the runner passes out for one evaluation. */
export const MAX_MESSAGE_CHARS = 200;

// Each anonymous intrinsic as a [name, value] entry; an expression that throws on this engine gives undefined.
const ANONYMOUS_SOURCE = ANONYMOUS_INTRINSICS.map(
  ([name, expression]) => `    [${JSON.stringify(name)}, (() => { try { return ${expression}; } catch { return undefined; } })()],`,
).join('\n');

/**
 * A script evaluating to `setup(hostFileSize, sharedBuffer, capacity)`, which hardens the
 * context and returns `[register, run]`, or throws naming an intrinsic it could not harden.
 */
export const PRELUDE_SOURCE = String.raw`(function setup(hostFileSize, shared, capacity) {
  'use strict';
  const { freeze, getPrototypeOf, getOwnPropertyDescriptor, defineProperty, keys: objectKeys, create } = Object;
  const { ownKeys, apply, construct } = Reflect;
  const isArray = Array.isArray;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const now = Date.now;
  const imul = Math.imul;
  const StringOf = String;
  const ErrorClass = Error;
  const TypeErrorClass = TypeError;
  const sliceString = String.prototype.slice;
  // V8 keeps the subject of the realm's last regex match alive (the legacy statics that read it
  // are gone, the reference is not), so one evaluation's 20 MB subject would count against the
  // next one's memory (attack round 4). Each evaluation starts by matching '' instead.
  const regexpExec = RegExp.prototype.exec;
  const emptyPattern = /(?:)/;
  const forgetLastMatch = () => apply(regexpExec, emptyPattern, ['']);
  const functionToString = Function.prototype.toString;
  const setHas = Set.prototype.has;
  const arrayPush = Array.prototype.push;
  const arrayShift = Array.prototype.shift;
  const MAX = ${MAX_MESSAGE_CHARS};
  const EVALUATING = ${PROGRESS_EVALUATING};

  const progress = new Int32Array(shared, 0, 2);
  const status = new Uint8Array(shared, ${RESULT_BUFFER.statusOffset}, capacity);
  const values = new Float64Array(shared, ${RESULT_BUFFER.statusOffset} + Math.ceil(capacity / 8) * 8, capacity);

  // 2. Reach the intrinsics that only an operation reaches, before anything is stripped
  //    (Iterator.from needs the Iterator global), so that they are hardened like the rest.
  const anonymous = [
${ANONYMOUS_SOURCE}
  ];
  // Make every Function constructor refuse source text; the global Function is that refusal.
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

  // 3a. Math.random: the engine's generator is one stream for the whole realm, so an
  //     evaluation could tell how many numbers others drew. Reseeded for every evaluation.
  let randomState = 0;
  const nextRandom32 = () => {
    randomState = (randomState + 0x6d2b79f5) | 0;
    let t = imul(randomState ^ (randomState >>> 15), 1 | randomState);
    t = (t + imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const random = { random() { return (nextRandom32() * 2097152 + (nextRandom32() >>> 11)) / 9007199254740992; } }.random;
  defineProperty(Math, 'random', { value: random });
  let batchSeed = 0;

  // Own-property definition: assigning a key like 'constructor' or 'toString' on a fresh
  // object would hit the frozen Object.prototype's read-only property (the override mistake).
  const put = (target, key, value) => {
    if (key in target) defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else target[key] = value;
  };
  const copyOwn = (target, source, excluded) => {
    if (source === null || source === undefined) return target;
    const from = Object(source);
    for (const key of ownKeys(from)) {
      const descriptor = getOwnPropertyDescriptor(from, key);
      if (descriptor && descriptor.enumerable && (excluded === undefined || excluded.indexOf(key) < 0)) put(target, key, from[key]);
    }
    return target;
  };

  // 3c. Patterns built at run time are bounded (protocol/regex-bounds.ts: length, property
  //     escapes, reviewed flags): the global RegExp and RegExp.prototype.constructor become a
  //     constructor that checks the pattern's text and flags, and every built-in that builds a
  //     RegExp from text builds it through that constructor: the String methods match,
  //     matchAll and search, and RegExp.prototype[Symbol.split] and [Symbol.matchAll], whose
  //     matcher V8 builds with its own RegExp when the receiver has no species constructor
  //     (attack round 5). RegExp.prototype.compile is not permitted.
  const MAX_PATTERN = ${MAX_PATTERN_CHARS};
  const MAX_ESCAPES = ${MAX_PROPERTY_ESCAPES};
  const FLAGS = ${JSON.stringify(REVIEWED_REGEX_FLAGS)};
  const OriginalRegExp = RegExp;
  const SymbolMatch = Symbol.match;
  const SymbolMatchAll = Symbol.matchAll;
  const SymbolSearch = Symbol.search;
  const SymbolSplit = Symbol.split;
  const SymbolSpecies = Symbol.species;
  const ProxyClass = Proxy;
  const stringIndexOf = String.prototype.indexOf;
  const SyntaxErrorClass = SyntaxError;
  const refusePattern = (why) => {
    throw new SyntaxErrorClass('taskres: a regular expression built at run time ' + why);
  };
  // As propertyEscapeCount in protocol/regex-bounds.ts.
  const propertyEscapes = (text) => {
    let count = 0;
    for (let at = apply(stringIndexOf, text, ['{']); at >= 0; at = apply(stringIndexOf, text, ['{', at + 1])) {
      if (at >= 2 && text[at - 2] === '\\' && (text[at - 1] === 'p' || text[at - 1] === 'P')) count++;
    }
    return count;
  };
  const boundedText = (value) => {
    const text = value === undefined ? '' : StringOf(value);
    if (text.length > MAX_PATTERN) refusePattern('may have at most ' + MAX_PATTERN + ' characters (received ' + text.length + ')');
    const escapes = propertyEscapes(text);
    if (escapes > MAX_ESCAPES) refusePattern('may hold at most ' + MAX_ESCAPES + ' Unicode property escapes (\\p{...}; received ' + escapes + ')');
    return text;
  };
  const boundedFlags = (value) => {
    if (value === undefined) return undefined;
    const flags = StringOf(value);
    for (let k = 0; k < flags.length; k++) {
      if (apply(stringIndexOf, FLAGS, [flags[k]]) < 0) refusePattern('may use only the flags ' + FLAGS + ' (received ' + stringify(apply(sliceString, flags, [0, 20])) + ')');
    }
    return flags;
  };
  // A real RegExp: its own source was bounded when it was built.
  const regexpSource = getOwnPropertyDescriptor(OriginalRegExp.prototype, 'source').get;
  const hasRegExpMatcher = (value) => {
    try { apply(regexpSource, value, []); return value !== OriginalRegExp.prototype; } catch { return false; }
  };
  // IsRegExp (ECMA-262 7.2.8): an object whose @@match says so, or a real RegExp.
  const isRegExp = (value) => {
    if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return false;
    const matcher = value[SymbolMatch];
    return matcher !== undefined ? Boolean(matcher) : hasRegExpMatcher(value);
  };
  // The engine reads a pattern's source and flags once each, in this order; so does this.
  const BoundedRegExp = function RegExp(pattern, flags) {
    let source;
    let sourceFlags = flags;
    if (hasRegExpMatcher(pattern)) source = pattern;
    else if (isRegExp(pattern)) {
      // A regex-like object: the engine would read its source and flags; read them here, once.
      source = boundedText(pattern.source);
      if (flags === undefined) sourceFlags = pattern.flags;
    } else source = boundedText(pattern);
    sourceFlags = boundedFlags(sourceFlags);
    return new.target === undefined ? OriginalRegExp(source, sourceFlags) : construct(OriginalRegExp, [source, sourceFlags], new.target);
  };
  BoundedRegExp.prototype = OriginalRegExp.prototype;
  defineProperty(BoundedRegExp, Symbol.species, { get: { [Symbol.species]() { return this; } }[Symbol.species], configurable: true });
  defineProperty(OriginalRegExp.prototype, 'constructor', { value: BoundedRegExp });
  defineProperty(globalThis, 'RegExp', { value: BoundedRegExp, writable: false, configurable: false });
  const requireString = (value, name) => {
    if (value === null || value === undefined) throw new TypeError('String.prototype.' + name + ' called on null or undefined');
    return String(value);
  };
  // ECMA-262 22.1.3.13 / .14 / .22: the argument's own protocol method if it has one, else
  // RegExpCreate, here through the bounded constructor.
  const boundedStringMethod = (name, symbol, flags, checkArgument) => ({
    [name](regexp) {
      if (this === null || this === undefined) requireString(this, name);
      if (regexp !== null && regexp !== undefined) {
        if (checkArgument !== undefined) checkArgument(regexp);
        const method = regexp[symbol];
        if (method !== undefined && method !== null) return apply(method, regexp, [this]);
      }
      const text = requireString(this, name);
      return new BoundedRegExp(boundedText(regexp), flags)[symbol](text);
    },
  })[name];
  const requireGlobalFlag = (regexp) => {
    if (!isRegExp(regexp)) return;
    const flags = regexp.flags;
    if (flags === null || flags === undefined) throw new TypeError('String.prototype.matchAll called with a RegExp without flags');
    if (apply(stringIndexOf, String(flags), ['g']) < 0) throw new TypeError('String.prototype.matchAll called with a non-global RegExp argument');
  };
  const boundedStringMethods = {
    match: boundedStringMethod('match', SymbolMatch, undefined, undefined),
    matchAll: boundedStringMethod('matchAll', SymbolMatchAll, 'g', requireGlobalFlag),
    search: boundedStringMethod('search', SymbolSearch, undefined, undefined),
  };
  for (const name of objectKeys(boundedStringMethods)) {
    defineProperty(String.prototype, name, { value: boundedStringMethods[name], writable: true, enumerable: false, configurable: true });
  }
  // RegExp.prototype[Symbol.split] and [Symbol.matchAll] (ECMA-262 22.2.6.14, 22.2.6.9) build
  // their matcher with SpeciesConstructor(receiver, %RegExp%): the default is the engine's own
  // RegExp, which nothing here can replace, so a receiver without a species constructor
  // ({ constructor: undefined, toString: () => pattern }) had any pattern compiled. These build
  // the matcher themselves, in the specification's order, with the bounded RegExp as the
  // default, and hand the engine's method a receiver of their own whose species constructor
  // returns that matcher (the engine then reads only the matcher, and lastIndex once).
  const constructTrap = { construct() { return {}; } };
  const isConstructor = (value) => {
    try { construct(new ProxyClass(value, constructTrap), []); return true; } catch { return false; }
  };
  const speciesConstructor = (object) => {
    const C = object.constructor;
    if (C === undefined) return BoundedRegExp;
    if ((typeof C !== 'object' || C === null) && typeof C !== 'function') throw new TypeErrorClass('object.constructor is not an object');
    const S = C[SymbolSpecies];
    if (S === undefined || S === null) return BoundedRegExp;
    if (S === BoundedRegExp || isConstructor(S)) return S;
    throw new TypeErrorClass('object.constructor[Symbol.species] is not a constructor');
  };
  const requireObject = (value, name) => {
    if ((typeof value !== 'object' || value === null) && typeof value !== 'function') throw new TypeErrorClass('RegExp.prototype[' + name + '] called on a non-object');
  };
  const receiverOf = (matcher, flags, lastIndexOf) => {
    const Species = function () { return matcher; };
    const constructor = create(null);
    constructor[SymbolSpecies] = Species;
    const receiver = create(null);
    receiver.constructor = constructor;
    receiver.flags = flags;
    if (lastIndexOf !== undefined) defineProperty(receiver, 'lastIndex', { get: () => lastIndexOf.lastIndex });
    return receiver;
  };
  const engineSplit = OriginalRegExp.prototype[SymbolSplit];
  const engineMatchAll = OriginalRegExp.prototype[SymbolMatchAll];
  const boundedRegExpMethods = {
    [SymbolSplit](string, limit) {
      const rx = this;
      requireObject(rx, 'Symbol.split');
      const S = StringOf(string);
      const C = speciesConstructor(rx);
      const flags = StringOf(rx.flags);
      const splitter = construct(C, [rx, apply(stringIndexOf, flags, ['y']) >= 0 ? flags : flags + 'y']);
      return apply(engineSplit, receiverOf(splitter, flags, undefined), [S, limit]);
    },
    [SymbolMatchAll](string) {
      const R = this;
      requireObject(R, 'Symbol.matchAll');
      const S = StringOf(string);
      const C = speciesConstructor(R);
      const flags = StringOf(R.flags);
      const matcher = construct(C, [R, flags]);
      return apply(engineMatchAll, receiverOf(matcher, flags, R), [S]);
    },
  };
  for (const symbol of [SymbolSplit, SymbolMatchAll]) {
    defineProperty(OriginalRegExp.prototype, symbol, { value: boundedRegExpMethods[symbol], writable: true, enumerable: false, configurable: true });
  }

  // 3b. Compiler helpers that TypeScript builds insert (pure, frozen with the rest).
  const helpers = {
    __name: (target, value) => { try { defineProperty(target, 'name', { value, configurable: true }); } catch {} return target; },
    __assign: (target, ...sources) => { for (const source of sources) copyOwn(target, source); return target; },
    __rest: (source, excluded) => copyOwn({}, source, excluded),
    __objRest: (source, excluded) => copyOwn({}, source, excluded),
    __spreadValues: (target, source) => copyOwn(target, source),
    __spreadProps: (target, source) => copyOwn(target, source),
    __spreadArray: (to, from) => to.concat(Array.prototype.slice.call(from)),
  };
  for (const name of objectKeys(helpers)) defineProperty(globalThis, name, { value: helpers[name], enumerable: false });

  // 3c. Files. A file's state (its evaluation, its index among its job's files, its size) is
  //     in private fields; the class itself is unreachable (its prototype loses its
  //     constructor property), so no code can mint a file or point one at another file.
  let callNumber = 0;
  const text = (value) => apply(sliceString, value, [0, MAX]);
  class SandboxFile {
    #evaluation;
    #index;
    #path;
    #call;
    #bytes = -1;
    constructor(evaluation, index, path, name, bytes) {
      // A size the caller gave (a checked whole number) is the answer: no host lookup.
      if (typeof bytes === 'number') this.#bytes = bytes;
      this.#evaluation = evaluation;
      this.#index = index;
      this.#path = path;
      this.#call = callNumber;
      this.path = path;
      this.name = name;
    }
    size() {
      if (!(#bytes in this)) throw new TypeErrorClass('size() works only on a file object that taskres passed to this function');
      if (this.#bytes >= 0) return this.#bytes;
      if (this.#call !== callNumber || progress[1] !== EVALUATING || progress[0] !== this.#evaluation) {
        throw new ErrorClass('size() was called after the evaluation that received this file had ended');
      }
      const bytes = hostFileSize(this.#evaluation, this.#index);
      if (typeof bytes !== 'number' || bytes < 0) {
        throw new ErrorClass(bytes === ${SIZE_REFUSED.notAllowed} ? 'size() refused: this file was not passed to this evaluation' : 'size() failed for ' + text(this.#path));
      }
      this.#bytes = bytes;
      return bytes;
    }
  }
  const fileProto = SandboxFile.prototype;
  delete fileProto.constructor;
  freeze(fileProto);
  const makeFile = (evaluation, index, path, name, bytes) => new SandboxFile(evaluation, index, path, name, bytes);

  // 4. Strip and freeze. Every object reachable from the global object or an anonymous
  //    intrinsic (own properties, accessor functions, prototypes) keeps only the properties
  //    its permit lists, an accessor only if it is also reviewed, and is then frozen. What a
  //    removed property led to is walked too: an operation may still reach it.
  const toKey = (name) => (name[0] === '@' && name[1] === '@' ? Symbol[apply(sliceString, name, [2])] : name);
  const roots = new Map(anonymous);
  roots.set('%FilePrototype%', fileProto);
  const resolve = (name) => {
    const steps = name[0] === '%' ? [apply(sliceString, name, [0, name.indexOf('%', 1) + 1]), ...apply(sliceString, name, [name.indexOf('%', 1) + 2]).split('.')] : name.split('.');
    let value = steps[0][0] === '%' ? roots.get(steps[0]) : steps[0] === 'globalThis' ? globalThis : globalThis[steps[0]];
    for (let i = 1; i < steps.length && steps[i] !== ''; i++) {
      const descriptor = (typeof value === 'object' && value !== null) || typeof value === 'function' ? getOwnPropertyDescriptor(value, toKey(steps[i])) : undefined;
      value = descriptor && 'value' in descriptor ? descriptor.value : undefined;
    }
    return value;
  };
  const permits = new Map();
  for (const [name, keys] of ${JSON.stringify(Object.entries(PERMITS))}) {
    const target = resolve(name);
    if ((typeof target === 'object' && target !== null) || typeof target === 'function') permits.set(target, [name, new Set(keys.map(toKey))]);
  }
  const functionPermits = new Set(${JSON.stringify(FUNCTION_PERMITS)});
  const nothing = new Set();
  const allowedAccessors = new Set(${JSON.stringify(ALLOWED_ACCESSORS)});
  const unwalked = new Set(${JSON.stringify(UNWALKED_GLOBALS)});
  const deleteProperty = Reflect.deleteProperty;
  const makeFast = (object) => {
    function Shape() {}
    Shape.prototype = object;
    new Shape();
  };
  const queue = [['globalThis', globalThis], ...anonymous, ['%FilePrototype%', fileProto]];
  const prototypes = [];
  const seen = new Set();
  const unremovable = [];
  while (queue.length > 0 || prototypes.length > 0) {
    const [path, value] = apply(arrayShift, queue.length > 0 ? queue : prototypes, []);
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    const permit = permits.get(value);
    const name = permit === undefined ? path : permit[0];
    const kept = permit === undefined ? (typeof value === 'function' ? functionPermits : nothing) : permit[1];
    let stripped = false;
    apply(arrayPush, prototypes, [[name + '.[[Prototype]]', getPrototypeOf(value)]]);
    for (const key of ownKeys(value)) {
      const descriptor = getOwnPropertyDescriptor(value, key);
      if (!descriptor) continue;
      const where = name + (typeof key === 'symbol' ? '[' + key.description + ']' : '.' + key);
      const isData = 'value' in descriptor;
      const keep = apply(setHas, kept, [key]) && (isData || apply(setHas, allowedAccessors, [where]));
      // Nothing but these removed globals leads to their objects (UNWALKED_GLOBALS).
      const walk = keep || value !== globalThis || !apply(setHas, unwalked, [key]);
      if (walk && isData) apply(arrayPush, queue, [[where, descriptor.value]]);
      else if (walk) apply(arrayPush, queue, [[where + '.get', descriptor.get], [where + '.set', descriptor.set]]);
      if (keep) continue;
      // On an object without a permit of its own (a built-in method, or an object that only a
      // removed property led to), what cannot be deleted (a removed constructor's 'prototype')
      // stays, walked and frozen like the rest; on a permitted intrinsic it stops the setup.
      stripped = true;
      if (!deleteProperty(value, key) && permit !== undefined) apply(arrayPush, unremovable, [where]);
    }
    // A delete leaves V8 an object in dictionary mode, where every lookup is slow (measured:
    // Math.min 10-20x slower once Node 24's Math.f16round is gone). Used as a prototype, it is
    // made fast again.
    if (stripped) makeFast(value);
    freeze(value);
  }
  seen.clear();
  permits.clear();
  roots.clear();
  if (unremovable.length > 0) throw new TypeErrorClass('taskres: cannot remove properties the permits do not list: ' + unremovable.join(', '));

  // The runner. It holds the batch's plan (which functions each job runs) and the values of
  // one job at a time, asked from the host when its first evaluation starts: no other job's
  // arguments are ever in this heap, so they neither count against an evaluation's memory
  // nor can be measured by it.
  const functions = [];
  // Per evaluation: its job and its function entry.
  let evaluationJobs = [];
  let evaluationFunctions = [];
  // Per job: its first evaluation (a job's retry contexts are per function).
  let jobStarts = [];
  // The job whose values are loaded ([files, params, contexts?], see IsolateJob), and its index.
  let currentJob;
  let currentJobIndex = -1;
  // The host's step callback (see connect): after each evaluation it reads the heap and
  // judges that evaluation's memory, and hands over the next job's text when asked.
  let hostStep;

  // Registers a compiled function, or why it cannot run. The engine's own text of the
  // function must be the source the definition checked and printed: had V8 read the
  // program differently from the checker, the function's extent would differ.
  const register = (id, fn, source, style, names, rest) => {
    let entry;
    try {
      if (typeof fn !== 'function' || apply(functionToString, fn, []) !== source) {
        entry = { failed: ${EVAL_STATUS.threw}, message: 'the sandbox read this function differently from the definition-time check; it was not run' };
      } else {
        freeze(fn);
        const prototype = getOwnPropertyDescriptor(fn, 'prototype');
        if (prototype && 'value' in prototype) freeze(prototype.value);
        entry = { fn, style, names: parse(names), rest };
      }
    } catch {
      entry = { failed: ${EVAL_STATUS.threw}, message: 'the sandbox could not prepare this function; it was not run' };
    }
    functions[id] = entry;
  };

  // Registers a function that could not be compiled (too large, too slow): only its own
  // evaluations fail, with this status.
  const registerFailed = (id, failedStatus, message) => {
    functions[id] = { failed: failedStatus, message: text(message) };
  };

  // Takes the host's step callback (once, right after setup).
  const connect = (step) => {
    if (hostStep === undefined) hostStep = step;
  };

  // Loads a batch's plan: per job, the ids of its functions' sources (see BatchReader).
  const load = (planText, fnIds, seed) => {
    const plan = parse(planText);
    const ids = parse(fnIds);
    batchSeed = seed;
    evaluationJobs = [];
    evaluationFunctions = [];
    jobStarts = [];
    currentJob = undefined;
    currentJobIndex = -1;
    for (let j = 0; j < plan.length; j++) {
      const sources = plan[j];
      jobStarts.push(evaluationJobs.length);
      for (let k = 0; k < sources.length; k++) {
        evaluationJobs.push(j);
        evaluationFunctions.push(functions[ids[sources[k]]]);
      }
    }
  };

  // Makes job j's values current from its text (an IsolateJob).
  const useJob = (j, jobText) => {
    currentJob = undefined;
    currentJob = parse(jobText);
    currentJobIndex = j;
  };

  // Copies a job's parameter into a fresh value for one evaluation, turning file markers
  // ({"$file": k}, k indexing the job's files) into file objects of this evaluation. A file
  // keeps its index among its job's files: size() lookups are checked and cached per job.
  const copy = (value, evaluation, jobFiles) => {
    if (typeof value !== 'object' || value === null) return value;
    if (isArray(value)) {
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = copy(value[i], evaluation, jobFiles);
      return out;
    }
    const marker = value.$file;
    if (typeof marker === 'number') {
      const entry = jobFiles[marker];
      return makeFile(evaluation, marker, entry[0], entry[1], entry[2]);
    }
    const out = {};
    for (const key of objectKeys(value)) put(out, key, copy(value[key], evaluation, jobFiles));
    return out;
  };

  // A fresh deep-frozen copy of the retry context (plain JSON data) for one evaluation.
  const frozenCopy = (value) => {
    if (typeof value !== 'object' || value === null) return value;
    if (isArray(value)) {
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = frozenCopy(value[i]);
      return freeze(out);
    }
    const out = {};
    for (const key of objectKeys(value)) put(out, key, frozenCopy(value[key]));
    return freeze(out);
  };

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

  // The realm's error prototypes, in THROWN_CLASSES order (the globals are frozen by now).
  const errorPrototypes = ${JSON.stringify(THROWN_CLASSES)}.map((name) => globalThis[name].prototype);

  // 1 + the THROWN_CLASSES index of a thrown value's class, found by prototype identity; 0 for
  // anything else. A Proxy's trap may run here: inside the call, charged to the evaluation.
  const thrownClass = (thrown) => {
    try {
      if ((typeof thrown !== 'object' && typeof thrown !== 'function') || thrown === null) return 0;
      const prototype = getPrototypeOf(thrown);
      for (let k = 0; k < errorPrototypes.length; k++) if (errorPrototypes[k] === prototype) return k + 1;
    } catch {}
    return 0;
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
          // No Proxy trap may run here (instanceof would call getPrototypeOf): Array.isArray
          // reads only the target.
          return isArray(result) ? 'an array' : 'an object (resource functions are synchronous: return a number, not a Promise or an object)';
      }
    } catch {
      return 'an object';
    }
  };

  // The end of job j's evaluations.
  const jobEnd = (j) => (j + 1 < jobStarts.length ? jobStarts[j + 1] : evaluationJobs.length);

  // The evaluations that evaluation i covers: itself, or for a CWL tool's function its whole
  // job (one evaluation computes every field; the job's other slots take the values).
  const lastCovered = (i) => (evaluationFunctions[i].style === 'cwl' ? jobEnd(evaluationJobs[i]) : i + 1);

  // Evaluates i (and the slots it covers, up to "last"); returns false when the host asked to
  // end the slice after it. The host's step is the first thing that runs after the function
  // returns or throws: nothing the runner allocates can trigger a collection before the heap
  // is read.
  const evaluate = (i, last, end, messages) => {
    const entry = evaluationFunctions[i];
    const j = evaluationJobs[i];
    const next = last < end && evaluationJobs[last] !== j ? evaluationJobs[last] : -1;
    if (entry.failed !== undefined) {
      status[i] = entry.failed;
      messages.push(i, entry.message, 0);
      return after(hostStep(i, next), next, last);
    }
    if (entry.style === 'cwl') return evaluateCwl(entry, i, last, next, messages);
    const job = currentJob;
    const jobFiles = job[0];
    const params = job[1];
    forgetLastMatch();
    randomState = batchSeed ^ imul(i + 1, 0x9e3779b1);
    let result;
    let threw = false;
    let thrown;
    try {
      if (entry.style === 'object') {
        const argument = {};
        const names = entry.rest ? objectKeys(params) : entry.names;
        for (let n = 0; n < names.length; n++) put(argument, names[n], copy(params[names[n]], i, jobFiles));
        // Only functions that name the retry context get it (the host sends null for others).
        const contexts = job[2];
        const context = contexts === undefined ? null : contexts[i - jobStarts[j]];
        result = context === null || context === undefined ? apply(entry.fn, undefined, [argument]) : apply(entry.fn, undefined, [argument, frozenCopy(context)]);
      } else {
        const args = new Array(entry.names.length);
        for (let n = 0; n < args.length; n++) args[n] = copy(params[entry.names[n]], i, jobFiles);
        result = apply(entry.fn, undefined, args);
      }
    } catch (error) {
      threw = true;
      thrown = error;
    }
    const reply = hostStep(i, next);
    if (threw) {
      status[i] = ${EVAL_STATUS.threw};
      messages.push(i, describeThrown(thrown), thrownClass(thrown));
    } else if (typeof result === 'number') {
      values[i] = result;
      status[i] = ${EVAL_STATUS.number};
    } else {
      status[i] = ${EVAL_STATUS.invalid};
      messages.push(i, describeResult(result), 0);
    }
    return after(reply, next, last);
  };

  // One evaluation of a CWL job, slots i..last-1 (one per JavaScript field): the tool's
  // function (src/cwl/javascript.ts) runs its expressionLib once with a fresh copy of the
  // job's inputs and self null, and returns the fields' functions, which run here in slot
  // order, all before the host's step: the lib and every field are one evaluation under one
  // deadline and one memory verdict. Each value goes to its field's slot; a throw or a value
  // that is not a number or null goes to the slot of the field that produced it (a throw
  // from the lib itself, to the first slot), and the fields after it are not run.
  const evaluateCwl = (entry, i, last, next, messages) => {
    const count = last - i;
    forgetLastMatch();
    randomState = batchSeed ^ imul(i + 1, 0x9e3779b1);
    let field = 0;
    let result;
    let threw = false;
    let thrown;
    try {
      const fields = apply(entry.fn, undefined, [plainCopy(currentJob[1]), null, undefined]);
      if (!isArray(fields) || fields.length !== count) throw new TypeErrorClass('taskres: the tool function did not return one function per field');
      for (; field < count; field++) {
        result = apply(fields[field], undefined, []);
        // null is "not given": NaN in the value slot. NaN and infinities are invalid.
        if (result === null) values[i + field] = NaN;
        else if (typeof result === 'number' && result - result === 0) values[i + field] = result;
        else break;
      }
    } catch (error) {
      threw = true;
      thrown = error;
    }
    const reply = hostStep(i, next);
    for (let k = 0; k < field; k++) status[i + k] = ${EVAL_STATUS.number};
    if (threw) {
      status[i + field] = ${EVAL_STATUS.threw};
      messages.push(i + field, describeThrown(thrown), thrownClass(thrown));
    } else if (field < count) {
      status[i + field] = ${EVAL_STATUS.invalid};
      messages.push(i + field, typeof result === 'number' ? 'the number ' + StringOf(result) : describeResult(result), 0);
    }
    return after(reply, next, last);
  };

  // A fresh copy of a CWL job's inputs (JSON data: no file capabilities in them).
  const plainCopy = (value) => {
    if (typeof value !== 'object' || value === null) return value;
    if (isArray(value)) {
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = plainCopy(value[i]);
      return out;
    }
    const out = {};
    for (const key of objectKeys(value)) put(out, key, plainCopy(value[key]));
    return out;
  };

  // What a step's reply means: the text of job 'next' (go on), or a STEP_REPLY. Parsing a
  // job's text is charged to the job's first evaluation, "evaluation".
  const after = (reply, next, evaluation) => {
    if (typeof reply === 'string') {
      progress[0] = evaluation;
      useJob(next, reply);
      return true;
    }
    return reply === ${STEP_REPLY.continue};
  };

  // Evaluates from start until stopAt (or the end of the batch) or until sliceMs have passed;
  // at least one unless the host stops it first. A new batch's plan may be loaded in the same
  // call (one isolate entry instead of two). sliceMs -1: only load; -2: only make job
  // job "jobIndex" current from "jobText" (a large job, loaded on its own time).
  const run = (start, sliceMs, stopAt, planText, fnIds, seed, jobIndex, jobText) => {
    callNumber++;
    if (planText !== undefined) load(planText, fnIds, seed);
    if (sliceMs === -2) {
      useJob(jobIndex, jobText);
      return start;
    }
    if (sliceMs < 0) return start;
    const began = now();
    const messages = [];
    const end = stopAt < evaluationJobs.length ? stopAt : evaluationJobs.length;
    let i = start;
    // A call that starts inside a CWL job (after the job's one evaluation failed or was
    // judged) has nothing to run there: those slots were that evaluation's.
    if (i < evaluationJobs.length && evaluationFunctions[i].style === 'cwl' && i !== jobStarts[evaluationJobs[i]]) return jobEnd(evaluationJobs[i]);
    progress[0] = i;
    progress[1] = ${PROGRESS_EVALUATING};
    const first = i < end && evaluationJobs[i] !== currentJobIndex ? evaluationJobs[i] : -1;
    let going = after(hostStep(-1, first), first, i);
    while (going && i < end) {
      progress[0] = i;
      const last = lastCovered(i);
      going = evaluate(i, last, end, messages);
      i = last;
      if (now() - began >= sliceMs) break;
    }
    progress[0] = i;
    progress[1] = ${PROGRESS_SLICE_OVER};
    return messages.length === 0 ? i : stringify([i, messages]);
  };

  return [register, registerFailed, run, connect];
})`;
