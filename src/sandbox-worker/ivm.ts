/**
 * isolated-vm, as the sandbox uses it: `import ivm from './ivm.js'` gives the module that
 * ./load-ivm.ts found for the running Node, and the types of ./ivm-api.ts under the same
 * name (`ivm.Isolate`, `ivm.Reference<T>`), as `import ivm from 'isolated-vm'` would.
 * Importing it throws, with the cause and the fix, when no isolated-vm can run here.
 */
import type * as api from './ivm-api.js';
import { requireIsolatedVm } from './load-ivm.js';

const ivm: api.IsolatedVmModule = requireIsolatedVm();

// The types that go with the value, so that `ivm.Isolate` reads as with isolated-vm's own typings.
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace ivm {
  /** See {@link api.Isolate}. */
  export type Isolate = api.Isolate;
  /** See {@link api.Context}. */
  export type Context = api.Context;
  /** See {@link api.Reference}. */
  export type Reference<T = unknown> = api.Reference<T>;
  /** See {@link api.Callback}. */
  export type Callback = api.Callback;
  /** See {@link api.ExternalCopy}. */
  export type ExternalCopy<T = unknown> = api.ExternalCopy<T>;
}

export default ivm;
