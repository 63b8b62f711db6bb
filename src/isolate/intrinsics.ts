/**
 * The permits table: what of the engine's built-in objects a hardened sandbox realm keeps.
 *
 * Hardening is fail closed, in the style of SES `lockdown()`: every intrinsic may keep only
 * the own properties listed here; the prelude deletes every other property of every object it
 * can reach (and refuses to start when one cannot be deleted), then deep-freezes the graph.
 * A V8 upgrade that adds a built-in (iterator helpers, `Set.prototype.union`,
 * `Promise.withResolvers`, `SuppressedError`...) therefore adds nothing to the sandbox: the new
 * property is gone before user code runs, and with it any new object it would lead to.
 *
 * The surface kept is ES2023 as Node 20's V8 has it (what resource functions and CWL
 * expressions use: Math, JSON, Array/String/Object/Number methods, Map/Set, RegExp, Date,
 * the Error types), the same on every Node line.
 *
 * Names are paths: a global (`Array`), an anonymous intrinsic (`%ArrayIteratorPrototype%`,
 * reached by an operation, see {@link ANONYMOUS_INTRINSICS}), then `.property` steps; a step
 * `@@name` is the well-known symbol `Symbol.name`. A built-in function that has no entry may
 * keep {@link FUNCTION_PERMITS}; any other object without an entry keeps nothing.
 */

import { COMPILER_HELPERS, SANDBOX_GLOBALS } from '../protocol/sandbox-globals.js';

/** The own properties a built-in function without an entry of its own may keep. */
export const FUNCTION_PERMITS: readonly string[] = ['length', 'name'];

const names = (list: string): readonly string[] => Object.freeze(list.trim().split(/\s+/));

// Every constructor keeps these; its statics follow.
const CONSTRUCTOR = 'length name prototype';
const ERROR_PROTOTYPE = 'constructor name message';
const TYPED_ARRAY = `${CONSTRUCTOR} BYTES_PER_ELEMENT`;
const TYPED_ARRAY_PROTOTYPE = 'constructor BYTES_PER_ELEMENT';

/**
 * Each intrinsic's permitted own properties. Left out on purpose, beyond what ES2023 lacks:
 * - `Symbol.for`/`Symbol.keyFor`: the registry lives as long as the isolate and freezing
 *   cannot reach it, so one evaluation could fill it and make a later one run out of memory;
 * - `ArrayBuffer.prototype.resize`/`transfer*`: growing a buffer in place reserves memory
 *   outside the allocator that enforces memoryLimitMiB (measured: 1 GiB at a 32 MiB limit);
 * - `Error.captureStackTrace`: V8's, writes its stack accessor onto any object;
 * - RegExp's legacy statics (`RegExp.input`, `$1`...): they hold the last match of any regex
 *   run in the realm (see {@link ALLOWED_ACCESSORS}).
 */
export const PERMITS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  // The global object: the standard globals the definition-time check allows, and the
  // compiler helpers the prelude defines (declared once, in protocol/sandbox-globals.ts).
  globalThis: Object.freeze([...SANDBOX_GLOBALS, ...COMPILER_HELPERS]),

  Object: names(`${CONSTRUCTOR} assign create defineProperties defineProperty entries freeze fromEntries
    getOwnPropertyDescriptor getOwnPropertyDescriptors getOwnPropertyNames getOwnPropertySymbols
    getPrototypeOf hasOwn is isExtensible isFrozen isSealed keys preventExtensions seal setPrototypeOf values`),
  'Object.prototype': names(`constructor hasOwnProperty isPrototypeOf propertyIsEnumerable toLocaleString
    toString valueOf __proto__ __defineGetter__ __defineSetter__ __lookupGetter__ __lookupSetter__`),
  // The prelude's Function refuses source text; its prototype is the real one.
  Function: names(CONSTRUCTOR),
  'Function.prototype': names('length name arguments caller constructor apply bind call toString @@hasInstance'),

  Array: names(`${CONSTRUCTOR} from isArray of @@species`),
  'Array.prototype': names(`length constructor at concat copyWithin entries every fill filter find findIndex
    findLast findLastIndex flat flatMap forEach includes indexOf join keys lastIndexOf map pop push reduce
    reduceRight reverse shift slice some sort splice toLocaleString toReversed toSorted toSpliced toString
    unshift values with @@iterator @@unscopables`),
  'Array.prototype.@@unscopables': names(`at copyWithin entries fill find findIndex findLast findLastIndex
    flat flatMap includes keys values toReversed toSorted toSpliced`),

  Number: names(`${CONSTRUCTOR} EPSILON MAX_SAFE_INTEGER MAX_VALUE MIN_SAFE_INTEGER MIN_VALUE NaN
    NEGATIVE_INFINITY POSITIVE_INFINITY isFinite isInteger isNaN isSafeInteger parseFloat parseInt`),
  'Number.prototype': names('constructor toExponential toFixed toLocaleString toPrecision toString valueOf'),
  Boolean: names(CONSTRUCTOR),
  'Boolean.prototype': names('constructor toString valueOf'),
  BigInt: names(`${CONSTRUCTOR} asIntN asUintN`),
  'BigInt.prototype': names('constructor toLocaleString toString valueOf @@toStringTag'),

  String: names(`${CONSTRUCTOR} fromCharCode fromCodePoint raw`),
  'String.prototype': names(`length constructor anchor at big blink bold charAt charCodeAt codePointAt concat
    endsWith fixed fontcolor fontsize includes indexOf isWellFormed italics lastIndexOf link localeCompare
    match matchAll normalize padEnd padStart repeat replace replaceAll search slice small split startsWith
    strike sub substr substring sup toLocaleLowerCase toLocaleUpperCase toLowerCase toString toUpperCase
    toWellFormed trim trimEnd trimLeft trimRight trimStart valueOf @@iterator`),

  // `dispose`/`asyncDispose` (V8 13) are non-configurable, so they cannot be removed: they hold
  // symbols (primitives), and the syntax that uses them (`using`) is refused at definition.
  Symbol: names(`${CONSTRUCTOR} asyncIterator hasInstance isConcatSpreadable iterator match matchAll replace
    search species split toPrimitive toStringTag unscopables dispose asyncDispose`),
  'Symbol.prototype': names('constructor description toString valueOf @@toPrimitive @@toStringTag'),

  Date: names(`${CONSTRUCTOR} UTC now parse`),
  'Date.prototype': names(`constructor getDate getDay getFullYear getHours getMilliseconds getMinutes getMonth
    getSeconds getTime getTimezoneOffset getUTCDate getUTCDay getUTCFullYear getUTCHours getUTCMilliseconds
    getUTCMinutes getUTCMonth getUTCSeconds getYear setDate setFullYear setHours setMilliseconds setMinutes
    setMonth setSeconds setTime setUTCDate setUTCFullYear setUTCHours setUTCMilliseconds setUTCMinutes
    setUTCMonth setUTCSeconds setYear toDateString toGMTString toISOString toJSON toLocaleDateString
    toLocaleString toLocaleTimeString toString toTimeString toUTCString valueOf @@toPrimitive`),

  RegExp: names(`${CONSTRUCTOR} @@species`),
  'RegExp.prototype': names(`constructor exec dotAll flags global hasIndices ignoreCase multiline
    source sticky test toString unicode unicodeSets @@match @@matchAll @@replace @@search @@split`),

  // No global `Promise` (see REMOVED_GLOBALS), and no syntax that makes one (async functions
  // are refused at definition): %Promise% is hardened all the same, in case something still does.
  '%Promise%': names(`${CONSTRUCTOR} all allSettled any race reject resolve @@species`),
  '%Promise%.prototype': names('constructor catch finally then @@toStringTag'),
  Proxy: names('length name revocable'),
  Reflect: names(`apply construct defineProperty deleteProperty get getOwnPropertyDescriptor getPrototypeOf
    has isExtensible ownKeys preventExtensions set setPrototypeOf @@toStringTag`),
  JSON: names('parse stringify @@toStringTag'),
  Math: names(`E LN10 LN2 LOG10E LOG2E PI SQRT1_2 SQRT2 abs acos acosh asin asinh atan atan2 atanh cbrt ceil
    clz32 cos cosh exp expm1 floor fround hypot imul log log10 log1p log2 max min pow random round sign sin
    sinh sqrt tan tanh trunc @@toStringTag`),

  // V8 reads Error.stackTraceLimit when it builds a stack (frozen: no evaluation can change it).
  Error: names(`${CONSTRUCTOR} stackTraceLimit`),
  'Error.prototype': names(`${ERROR_PROTOTYPE} toString`),
  AggregateError: names(CONSTRUCTOR),
  'AggregateError.prototype': names(ERROR_PROTOTYPE),
  EvalError: names(CONSTRUCTOR),
  'EvalError.prototype': names(ERROR_PROTOTYPE),
  RangeError: names(CONSTRUCTOR),
  'RangeError.prototype': names(ERROR_PROTOTYPE),
  ReferenceError: names(CONSTRUCTOR),
  'ReferenceError.prototype': names(ERROR_PROTOTYPE),
  SyntaxError: names(CONSTRUCTOR),
  'SyntaxError.prototype': names(ERROR_PROTOTYPE),
  TypeError: names(CONSTRUCTOR),
  'TypeError.prototype': names(ERROR_PROTOTYPE),
  URIError: names(CONSTRUCTOR),
  'URIError.prototype': names(ERROR_PROTOTYPE),

  Map: names(`${CONSTRUCTOR} @@species`),
  'Map.prototype': names('constructor clear delete entries forEach get has keys set size values @@iterator @@toStringTag'),
  Set: names(`${CONSTRUCTOR} @@species`),
  'Set.prototype': names('constructor add clear delete entries forEach has keys size values @@iterator @@toStringTag'),
  WeakMap: names(CONSTRUCTOR),
  'WeakMap.prototype': names('constructor delete get has set @@toStringTag'),
  WeakSet: names(CONSTRUCTOR),
  'WeakSet.prototype': names('constructor add delete has @@toStringTag'),

  ArrayBuffer: names(`${CONSTRUCTOR} isView @@species`),
  'ArrayBuffer.prototype': names('constructor byteLength maxByteLength resizable slice @@toStringTag'),
  DataView: names(CONSTRUCTOR),
  'DataView.prototype': names(`constructor buffer byteLength byteOffset getBigInt64 getBigUint64 getFloat32
    getFloat64 getInt16 getInt32 getInt8 getUint16 getUint32 getUint8 setBigInt64 setBigUint64 setFloat32
    setFloat64 setInt16 setInt32 setInt8 setUint16 setUint32 setUint8 @@toStringTag`),
  '%TypedArray%': names(`${CONSTRUCTOR} from of @@species`),
  '%TypedArray%.prototype': names(`constructor at buffer byteLength byteOffset copyWithin entries every fill
    filter find findIndex findLast findLastIndex forEach includes indexOf join keys lastIndexOf length map
    reduce reduceRight reverse set slice some sort subarray toLocaleString toReversed toSorted toString values
    with @@iterator @@toStringTag`),
  Int8Array: names(TYPED_ARRAY),
  'Int8Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  Uint8Array: names(TYPED_ARRAY),
  'Uint8Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  Uint8ClampedArray: names(TYPED_ARRAY),
  'Uint8ClampedArray.prototype': names(TYPED_ARRAY_PROTOTYPE),
  Int16Array: names(TYPED_ARRAY),
  'Int16Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  Uint16Array: names(TYPED_ARRAY),
  'Uint16Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  Int32Array: names(TYPED_ARRAY),
  'Int32Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  Uint32Array: names(TYPED_ARRAY),
  'Uint32Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  Float32Array: names(TYPED_ARRAY),
  'Float32Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  Float64Array: names(TYPED_ARRAY),
  'Float64Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  BigInt64Array: names(TYPED_ARRAY),
  'BigInt64Array.prototype': names(TYPED_ARRAY_PROTOTYPE),
  BigUint64Array: names(TYPED_ARRAY),
  'BigUint64Array.prototype': names(TYPED_ARRAY_PROTOTYPE),

  // Iteration. %IteratorPrototype% keeps only @@iterator: Node 22 put the iterator helpers
  // (map, filter, take...) there, and each leads to a shared prototype of its own.
  '%IteratorPrototype%': names('@@iterator'),
  '%AsyncIteratorPrototype%': names('@@asyncIterator'),
  '%ArrayIteratorPrototype%': names('next @@toStringTag'),
  '%MapIteratorPrototype%': names('next @@toStringTag'),
  '%SetIteratorPrototype%': names('next @@toStringTag'),
  '%StringIteratorPrototype%': names('next @@toStringTag'),
  '%RegExpStringIteratorPrototype%': names('next @@toStringTag'),
  // Generators and async functions (nested in a resource function; the function itself is
  // synchronous). Their `constructor`s are the prelude's Function, which refuses source text.
  '%GeneratorFunction.prototype%': names('constructor prototype @@toStringTag'),
  '%GeneratorPrototype%': names('constructor next return throw @@toStringTag'),
  '%AsyncGeneratorFunction.prototype%': names('constructor prototype @@toStringTag'),
  '%AsyncGeneratorPrototype%': names('constructor next return throw @@toStringTag'),
  '%AsyncFunction.prototype%': names('constructor @@toStringTag'),

  // The prototype of the file objects a resource function receives (built by the prelude).
  '%FilePrototype%': names('size'),
});

/**
 * Intrinsics that no property path from the global object reaches: the engine creates or
 * returns them for an operation (a `for...of`, a generator, an error, a sloppy `arguments`).
 * Each is an expression evaluated in the isolate before hardening, `undefined` when this
 * engine has no such object. The hardening walk starts from these as well as from the global
 * object, strips them to their permits and freezes them. The entries past the ES2023 ones are
 * objects of newer engines: their operations are gone once their methods are stripped, and
 * they are frozen all the same, in case an operation the permits keep still leads to them.
 */
export const ANONYMOUS_INTRINSICS: readonly (readonly [name: string, expression: string])[] = [
  ['%TypedArray%', 'getPrototypeOf(Int8Array)'],
  ['%Promise%', 'getPrototypeOf((async function () {})()).constructor'],
  ['%IteratorPrototype%', 'getPrototypeOf(getPrototypeOf([][Symbol.iterator]()))'],
  ['%AsyncIteratorPrototype%', 'getPrototypeOf(getPrototypeOf(getPrototypeOf((async function* () {})())))'],
  ['%ArrayIteratorPrototype%', 'getPrototypeOf([][Symbol.iterator]())'],
  ['%MapIteratorPrototype%', 'getPrototypeOf(new Map().entries())'],
  ['%SetIteratorPrototype%', 'getPrototypeOf(new Set().values())'],
  ['%StringIteratorPrototype%', "getPrototypeOf(''[Symbol.iterator]())"],
  ['%RegExpStringIteratorPrototype%', "getPrototypeOf(/a/[Symbol.matchAll]('a'))"],
  ['%GeneratorFunction.prototype%', 'getPrototypeOf(function* () {})'],
  ['%GeneratorPrototype%', 'getPrototypeOf(getPrototypeOf((function* () {})()))'],
  ['%AsyncGeneratorFunction.prototype%', 'getPrototypeOf(async function* () {})'],
  ['%AsyncGeneratorPrototype%', 'getPrototypeOf(getPrototypeOf((async function* () {})()))'],
  ['%AsyncFunction.prototype%', 'getPrototypeOf(async function () {})'],
  // The poison pill of strict `arguments.callee` (also Function.prototype.caller's getter).
  ['%ThrowTypeError%', "(function () { 'use strict'; return getOwnPropertyDescriptor(arguments, 'callee').get; })()"],
  // V8 12 (Node 22) gives every error an own `stack` accessor; its getter and setter are
  // one pair of functions shared by all errors of the realm.
  ['%ErrorStackGetter%', "(getOwnPropertyDescriptor(new Error('x'), 'stack') || {}).get"],
  ['%ErrorStackSetter%', "(getOwnPropertyDescriptor(new Error('x'), 'stack') || {}).set"],
  // Newer than ES2023: iterator helpers (V8 12), `using` and disposal (V8 13).
  ['%IteratorHelperPrototype%', "typeof [].values().map === 'function' ? getPrototypeOf([].values().map((x) => x)) : undefined"],
  ['%WrapForValidIteratorPrototype%', "typeof Iterator === 'function' && typeof Iterator.from === 'function' ? getPrototypeOf(Iterator.from({ next() { return { done: true }; } })) : undefined"],
];

/**
 * Removed globals whose objects the hardening walk deletes without visiting (saving ~10 ms of
 * every isolate's setup, measured): no operation the permits keep returns or creates an object
 * of theirs, only the global itself leads to them. Every other removed property's objects are
 * visited, stripped and frozen, in case an operation still reaches them (a `SuppressedError`
 * from `using`); the realm-closure test would find a shared object these lead to unfrozen.
 */
export const UNWALKED_GLOBALS: readonly string[] = ['Intl', 'WebAssembly'];

/**
 * The accessor properties a hardened sandbox realm may keep, reviewed one by one.
 *
 * Freezing makes data properties immutable, but an accessor can read or write state that
 * freezing does not reach: V8's legacy `RegExp.input`/`$1`/`lastMatch`... read the last
 * match of any regex run in the realm, so one evaluation could read another tenant's file
 * paths. A permitted property that is an accessor is therefore kept only if it is also
 * listed here (fail closed: an engine upgrade that turns a property into an accessor removes
 * it, and the intrinsics test names it). Each one kept reads only its receiver (or throws),
 * so it carries nothing between evaluations.
 *
 * Names are the intrinsic's permits name followed by the property (`[Symbol.species]` for
 * a well-known symbol).
 */
export const ALLOWED_ACCESSORS: readonly string[] = [
  // Constructors' species getters return `this`.
  'Array[Symbol.species]',
  'ArrayBuffer[Symbol.species]',
  'Map[Symbol.species]',
  '%Promise%[Symbol.species]',
  'RegExp[Symbol.species]',
  'Set[Symbol.species]',
  '%TypedArray%[Symbol.species]',
  // Getters over the receiver's own internal slots.
  '%TypedArray%.prototype.buffer',
  '%TypedArray%.prototype.byteLength',
  '%TypedArray%.prototype.byteOffset',
  '%TypedArray%.prototype.length',
  '%TypedArray%.prototype[Symbol.toStringTag]',
  'ArrayBuffer.prototype.byteLength',
  'ArrayBuffer.prototype.maxByteLength',
  'ArrayBuffer.prototype.resizable',
  'DataView.prototype.buffer',
  'DataView.prototype.byteLength',
  'DataView.prototype.byteOffset',
  'Map.prototype.size',
  'Set.prototype.size',
  'Symbol.prototype.description',
  'RegExp.prototype.dotAll',
  'RegExp.prototype.flags',
  'RegExp.prototype.global',
  'RegExp.prototype.hasIndices',
  'RegExp.prototype.ignoreCase',
  'RegExp.prototype.multiline',
  'RegExp.prototype.source',
  'RegExp.prototype.sticky',
  'RegExp.prototype.unicode',
  'RegExp.prototype.unicodeSets',
  // Reads/sets the receiver's prototype; frozen objects refuse the set.
  'Object.prototype.__proto__',
  // Throw for strict functions; for sloppy ones they expose only a call that is on the
  // stack right now, and evaluations never overlap.
  'Function.prototype.arguments',
  'Function.prototype.caller',
];
