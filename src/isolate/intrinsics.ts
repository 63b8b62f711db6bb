/**
 * The accessor properties a hardened sandbox realm may keep, reviewed one by one.
 *
 * Freezing makes data properties immutable, but an accessor can read or write state that
 * freezing does not reach: V8's legacy `RegExp.input`/`$1`/`lastMatch`... read the last
 * match of any regex run in the realm, so one evaluation could read another tenant's file
 * paths. The prelude therefore deletes every accessor that is not listed here (fail closed:
 * an engine upgrade that adds one removes it, and the intrinsics test names it). Each one
 * kept reads only its receiver (or throws), so it carries nothing between evaluations.
 *
 * Names are the first path from the global object (own properties before prototypes);
 * hidden intrinsics have names like `%TypedArray%`.
 */
export const ALLOWED_ACCESSORS: readonly string[] = [
  // Constructors' species getters return `this`.
  'Array[Symbol.species]',
  'ArrayBuffer[Symbol.species]',
  'Map[Symbol.species]',
  'Promise[Symbol.species]',
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

/**
 * Properties the prelude deletes before freezing, as [owner path, name]:
 * - growing an ArrayBuffer in place (or by transfer) reserves and commits memory outside the
 *   allocator that enforces memoryLimitMiB (measured: a 1 GiB resize at a 32 MiB limit);
 * - the `Symbol.for` registry lives as long as the isolate and freezing cannot reach it: one
 *   evaluation could fill it and make a later one run out of memory (a bit across tenants).
 */
export const REMOVED_PROPERTIES: readonly (readonly [owner: string, name: string])[] = [
  ['ArrayBuffer.prototype', 'resize'],
  ['ArrayBuffer.prototype', 'transfer'],
  ['ArrayBuffer.prototype', 'transferToFixedLength'],
  ['Symbol', 'for'],
  ['Symbol', 'keyFor'],
];
