/**
 * The part of isolated-vm's API that taskres uses, as it is in both releases taskres loads
 * (5.0.4 on Node 20, 6.2.0 on Node 22 and 24; see ./load-ivm.ts). Declared here rather than
 * taken from the installed package because which package is installed depends on the Node
 * that ran `npm install`: the typecheck must not.
 */

/** Options of `new Isolate()`. */
export interface IsolateOptions {
  /** Heap limit of the isolate, in MiB. */
  memoryLimit?: number;
  /** Called (on some thread) when isolated-vm hits an error it cannot recover from. */
  onCatastrophicError?: (message: string) => void;
}

/** Heap statistics of an isolate (the fields taskres reads). */
export interface HeapStatistics {
  used_heap_size: number;
  total_heap_size: number;
  /** Bytes of ArrayBuffers the isolate holds outside its heap (counted against its limit). */
  externally_allocated_size: number;
  /** The heap's limit: memoryLimit plus what V8 reserves beside the old generation. */
  heap_size_limit: number;
}

/** Options of the synchronous calls into an isolate. */
export interface RunOptions {
  /** Milliseconds of JavaScript time before the call is stopped. */
  timeout?: number;
  /** Return a Reference to the result instead of copying it. */
  reference?: boolean;
  /** How the result crosses back (e.g. `{ reference: true }`). */
  result?: { reference?: boolean; copy?: boolean };
}

/** An isolate: a V8 heap of its own. */
export interface Isolate {
  readonly isDisposed: boolean;
  createContextSync(): Context;
  getHeapStatisticsSync(): HeapStatistics;
  dispose(): void;
}

/** A context (global object) inside an isolate. */
export interface Context {
  evalSync(code: string, options?: RunOptions): unknown;
  release(): void;
}

/** A handle on a value inside an isolate; `T` is what the value is. */
export interface Reference<T = unknown> {
  readonly typeof: string;
  applySync(receiver: unknown, args?: unknown[], options?: RunOptions): T extends (...args: never[]) => infer R ? R : unknown;
  getSync(property: unknown, options?: RunOptions): unknown;
  /** A transferable that becomes the value itself when it arrives in the isolate. */
  derefInto(): unknown;
  release(): void;
}

/** A host function the isolate can call synchronously. */
export interface Callback {
  readonly __taskres_ivm_callback?: never;
}

/** A copy of a value that can be copied into isolates. */
export interface ExternalCopy<T = unknown> {
  copy(): T;
  copyInto(options?: { release?: boolean; transferIn?: boolean }): unknown;
  release(): void;
}

/** The module object isolated-vm exports (the constructors taskres uses). */
export interface IsolatedVmModule {
  Isolate: new (options?: IsolateOptions) => Isolate;
  Callback: new (fn: (...args: never[]) => unknown, options?: { async?: boolean; ignored?: boolean; sync?: boolean }) => Callback;
  ExternalCopy: new <T>(value: T, options?: { transferList?: unknown[]; transferOut?: boolean }) => ExternalCopy<T>;
  Reference: new <T>(value: T) => Reference<T>;
}
