/**
 * Which free names a resource function may use. The sandbox is a bare ECMAScript realm, so
 * only standard ECMAScript globals exist there, minus the ones taskres removes. A contract
 * between two realms, hence in protocol/: the definition check (src/definition/analyze-source.ts)
 * refuses other free names, and the isolate's prelude (src/isolate/prelude.ts) keeps exactly these.
 */

/** Standard ECMAScript globals that the sandbox keeps. */
export const SANDBOX_GLOBALS: ReadonlySet<string> = new Set([
  'globalThis', 'Infinity', 'NaN', 'undefined',
  'isFinite', 'isNaN', 'parseFloat', 'parseInt',
  'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
  'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Date',
  'RegExp', 'Proxy', 'Reflect', 'JSON', 'Math',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError',
  'TypeError', 'URIError',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'ArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]);

/**
 * Standard globals the sandbox deletes before user code runs: `Promise` queues jobs that run
 * after an evaluation has returned (V8 runs microtasks once the host's call ends, after every
 * evaluation of the batch), where no deadline, blame or memory verdict is that evaluation's own,
 * and a resource function is synchronous, so nothing a promise settles can reach its result;
 * the others give hostile code memory
 * the isolate's limit does not count (WebAssembly, SharedArrayBuffer), ways to wedge the
 * process (Atomics), code from strings (eval), GC timing (WeakRef, FinalizationRegistry), or a
 * large native surface with caches and host facts (Intl: ICU, the host's locale and time zone)
 * that no resource function needs.
 */
export const REMOVED_GLOBALS: ReadonlySet<string> = new Set([
  'Promise', 'eval', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'WeakRef', 'FinalizationRegistry', 'Intl',
]);

/**
 * Helpers that TypeScript compilers insert into compiled functions (esbuild's `keepNames`
 * `__name`, its object spread/rest lowering, tsc's `__assign`/`__rest`). The sandbox
 * defines pure versions of them so compiled functions run unchanged.
 */
export const COMPILER_HELPERS: ReadonlySet<string> = new Set([
  '__name', '__assign', '__rest', '__spreadValues', '__spreadProps', '__objRest', '__spreadArray',
]);
