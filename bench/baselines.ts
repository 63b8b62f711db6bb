/**
 * The ways to evaluate a resource function that taskres is measured against, each given the
 * same function source and the same parameters.
 */
import { createContext, runInContext } from 'node:vm';
import ivm from '../src/sandbox-worker/ivm.js';

/** An evaluator: call it with parameters, get the function's number. */
export type Evaluate = (params: Record<string, unknown>) => number;

/** A file object as resource functions see it, with `size()` answered by `fs.statSync`. */
export interface FileLike {
  path: string;
  name: string;
  size(): number;
}

/** Direct in-process call: no isolation at all, the physical limit. */
export function direct(fn: (params: Record<string, unknown>) => number): Evaluate {
  return (params) => fn(params);
}

/** `node:vm` with one reused context: what many projects do, and escapable. */
export function nodeVm(source: string): Evaluate {
  const context = createContext({});
  const fn = runInContext(`(${source})`, context) as (params: unknown) => number;
  return (params) => fn(params);
}

/** isolated-vm with a new isolate per evaluation: safe and naive. Parameters go in as JSON. */
export function isolatePerEvaluation(source: string): Evaluate {
  return (params) => {
    const isolate = new ivm.Isolate({ memoryLimit: 32 });
    try {
      const context = isolate.createContextSync();
      const fn = context.evalSync(`(function (json) { return (${source})(JSON.parse(json)); })`, { reference: true }) as ivm.Reference<(json: string) => number>;
      return fn.applySync(undefined, [JSON.stringify(params)], { timeout: 1000 }) as number;
    } finally {
      isolate.dispose();
    }
  };
}

/** quickjs-emscripten with a reused context, parameters as JSON; undefined when not installed. */
export async function quickjs(source: string): Promise<Evaluate | undefined> {
  let module: typeof import('quickjs-emscripten');
  try {
    module = await import('quickjs-emscripten');
  } catch {
    return undefined;
  }
  const QuickJS = await module.getQuickJS();
  const vm = QuickJS.newContext();
  vm.runtime.setMemoryLimit(32 * 1024 * 1024);
  const fn = vm.unwrapResult(vm.evalCode(`(function (json) { return (${source})(JSON.parse(json)); })`));
  return (params) => {
    const argument = vm.newString(JSON.stringify(params));
    const handle = vm.unwrapResult(vm.callFunction(fn, vm.undefined, argument));
    argument.dispose();
    const value = vm.getNumber(handle);
    handle.dispose();
    return value;
  };
}
