/**
 * The expected outcome of every file of ../shared/hostile (its 78 .js files), in the same textual form as
 * the `// expect:` lines of our own corpus (see hostile.ts). Derived from INDEX.md's "expected safe
 * outcome" and taskres's contract: resource functions are synchronous (async functions are refused
 * at definition, a returned Promise or thenable is TASKRES_INVALID_VALUE), the realm is frozen
 * (assignments fail silently, defineProperty throws), and removed globals (eval, WebAssembly,
 * SharedArrayBuffer, Atomics, WeakRef, FinalizationRegistry, Intl) are refused at definition.
 */
export const SHARED_HOSTILE_EXPECTATIONS: Readonly<Record<string, string>> = {
  'dos-async-loop-after-await.js': 'definition TASKRES_UNSERIALIZABLE', // async functions are refused at definition (resource functions are synchronous)
  'dos-async-never-resolves.js': 'definition TASKRES_UNSERIALIZABLE', // async function
  'dos-atomics-waitasync-abort.js': 'definition TASKRES_UNSERIALIZABLE', // names Atomics and SharedArrayBuffer, removed globals
  'dos-badout-array-of-one.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-bigint.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-boolean.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-fraction.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-function.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-huge-number.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-infinity.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-nan.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-negative.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-null.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-numeric-string.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-promise.js': 'definition TASKRES_UNSERIALIZABLE', // uses Promise: removed since round 4 (its jobs would run after the evaluation)
  'dos-badout-proto-key-object.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-proxy.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-symbol.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-toprimitive-object.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-undefined.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-badout-valueof-object.js': 'TASKRES_INVALID_VALUE', // not a safe integer within limits; never coerced
  'dos-deep-recursion.js': 'TASKRES_FUNCTION_THREW', // RangeError (stack overflow) inside the isolate
  'dos-delete-builtins.js': 'value 1', // the realm is frozen: deletes fail silently (sloppy mode); returns 1
  'dos-infinite-loop-in-getter.js': 'TASKRES_FUNCTION_THREW', // defineProperty on the frozen Object.prototype throws before any loop runs
  'dos-infinite-loop.js': 'TASKRES_TIMEOUT',
  'dos-inject-brace-breakout.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-inject-empty.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-inject-number-literal.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-inject-process-exit.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-inject-toplevel-while.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-inject-ts-import.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-inject-unterminated-comment.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-inject-wrapper-breakout-loop.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-inject-wrapper-breakout-sideeffect.js': 'definition TASKRES_UNSERIALIZABLE', // not exactly one function expression
  'dos-memory-array-fill.js': 'TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT', // a process killer under plain isolated-vm: the sandbox process is restarted
  'dos-memory-array-growth.js': 'TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT', // which limit trips first depends on GC timing
  'dos-memory-arraybuffer.js': 'TASKRES_FUNCTION_THREW | TASKRES_TIMEOUT', // RangeError: Array buffer allocation failed (the allocator counts buffers), unless touching pages outlasts the deadline
  'dos-memory-eval-huge-source.js': 'definition TASKRES_UNSERIALIZABLE', // names eval, a removed global
  'dos-memory-map-growth.js': 'TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT', // a process killer under plain isolated-vm
  'dos-memory-sharedarraybuffer.js': 'definition TASKRES_UNSERIALIZABLE', // names SharedArrayBuffer, a removed global
  'dos-memory-spread-huge-string.js': 'TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT', // which limit trips first depends on timing
  'dos-memory-string-doubling.js': 'TASKRES_MEMORY_LIMIT | TASKRES_TIMEOUT', // which limit trips first depends on timing
  'dos-memory-wasm-memory-grow.js': 'definition TASKRES_UNSERIALIZABLE', // names WebAssembly, a removed global
  'dos-microtask-infinite-chain.js': 'definition TASKRES_UNSERIALIZABLE', // uses Promise: removed since round 4 (its jobs would run after the evaluation)
  'dos-microtask-leftover-after-timeout.js': 'definition TASKRES_UNSERIALIZABLE', // uses Promise: removed since round 4 (its jobs would run after the evaluation)
  'dos-mutate-globals.js': 'value 1', // assignments to frozen intrinsics fail silently; returns 1
  'dos-object-prototype-pollution.js': 'TASKRES_FUNCTION_THREW', // defineProperty on the frozen Object.prototype throws
  'dos-poison-next-evaluation.js': 'definition TASKRES_UNSERIALIZABLE', // uses Promise: removed since round 4 (its jobs would run after the evaluation)
  'dos-regex-catastrophic.js': 'TASKRES_TIMEOUT',
  'dos-result-getter-loop.js': 'TASKRES_INVALID_VALUE', // the result is an object: never copied, its getter never read
  'dos-return-huge-string.js': 'TASKRES_INVALID_VALUE', // a string
  'dos-size-after-return.js': 'definition TASKRES_UNSERIALIZABLE', // names FinalizationRegistry, a removed global
  'dos-size-tight-loop.js': 'value 0', // sizes are memoised per file: 1e6 reads of 1000/2000/3000 bytes sum to a multiple of 1000
  'dos-throw-error-stack-getter.js': 'TASKRES_TIMEOUT', // describing the throw reads its name getter, inside the deadline
  'dos-throw-function.js': 'TASKRES_FUNCTION_THREW',
  'dos-throw-proxy.js': 'TASKRES_TIMEOUT', // describing the throw runs the get trap, inside the deadline
  'dos-throw-symbol.js': 'TASKRES_FUNCTION_THREW',
  'dos-throw-undefined.js': 'TASKRES_FUNCTION_THREW',
  'dos-wasm-infinite-loop.js': 'definition TASKRES_UNSERIALIZABLE', // names WebAssembly, a removed global
  'escape-async-error-symbol-name.js': 'definition TASKRES_UNSERIALIZABLE', // async function
  'escape-async-preparestacktrace.js': 'definition TASKRES_UNSERIALIZABLE', // async function
  'escape-builtin-monkeypatch-capture.js': 'definition TASKRES_UNSERIALIZABLE', // uses Promise: removed since round 4 (its jobs would run after the evaluation)
  'escape-dynamic-import.js': 'definition TASKRES_UNSERIALIZABLE', // async function using import()
  'escape-global-capability-probe.js': 'definition TASKRES_UNSERIALIZABLE', // uses `this` and names eval, process, require
  'escape-host-error-from-callback.js': 'value 0',
  'escape-inspect-custom-symbol.js': 'definition TASKRES_UNSERIALIZABLE', // names console (and WebAssembly)
  'escape-ivm-object-hunt.js': 'value 0',
  'escape-object-prototype-accessor-hijack.js': 'definition TASKRES_UNSERIALIZABLE', // uses Promise: removed since round 4 (its jobs would run after the evaluation)
  'escape-params-host-objects.js': 'value 0',
  'escape-preparestacktrace-callsite.js': 'value 0',
  'escape-promise-species.js': 'definition TASKRES_UNSERIALIZABLE', // async function
  'escape-proto-pollution-params.js': 'value 0',
  'escape-proxy-apply-args-array.js': 'value 0',
  'escape-proxy-trap-throw-function.js': 'value 0',
  'escape-result-coercion-caller.js': 'TASKRES_INVALID_VALUE', // an object result: no hook runs
  'escape-stack-overflow-host-rangeerror.js': 'value 0',
  'escape-thenable-result.js': 'TASKRES_INVALID_VALUE', // a thenable object: `then` is never called
  'escape-this-constructor-chain.js': 'definition TASKRES_UNSERIALIZABLE', // uses `this`
};
