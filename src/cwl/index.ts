/**
 * `taskres/cwl`: CWL ResourceRequirement for CWL runners. A tool's resource fields are
 * evaluated exactly as the CWL spec (v1.0, v1.1, v1.2) says, parameter references in the
 * host, JavaScript in the resolver's sandbox like a resource function. A separate entry
 * point, so the core package does not grow for users who never touch CWL.
 */
import { TaskresError } from '../core/errors.js';
import type { Resources } from '../core/units.js';
import type { Resolver } from '../resolver/resolver.js';
import { SUBMIT_SANDBOX_JOB, type SandboxJobTarget } from '../resolver/sandbox-jobs.js';
import { compileTool, type CompiledTool } from './compile.js';
import { evaluateJob, type Outcome } from './evaluate.js';
import { prepareInputs } from './inputs.js';
import type { CwlResources } from './rules.js';

export type { CwlResources } from './rules.js';
export { CWL_VERSIONS, type CwlVersion } from './document.js';

/** One item of {@link resolveCwlMany}. */
export interface CwlRequest {
  /** One CommandLineTool, as an object parsed from its YAML or JSON. */
  tool: unknown;
  /** The job's input object (Files with `size` in bytes). */
  job: unknown;
  /** How messages name the tool (e.g. its file name); default: its `id`, else its `label`. */
  name?: string;
}

/** The outcome of one item of {@link resolveCwlMany}, like `Promise.allSettled`. */
export type CwlOutcome = { status: 'fulfilled'; value: CwlResources } | { status: 'rejected'; reason: TaskresError };

// Compiling a tool parses its JavaScript: done once per distinct tool text, and the few most
// recent kept, so a runner that passes the same tool for every job pays it once.
const COMPILED_CACHE_SIZE = 256;
const compiledCache = new Map<string, CompiledTool>();

/**
 * The resources of one job of a CWL tool, in CWL's terms: `{ cores, ram, tmpdirSize,
 * outdirSize }` (cores; MiB), plus `cudaDeviceCount` for tools with cwltool's
 * CUDARequirement. Rejects with `TASKRES_CWL_INVALID` for a document that breaks the spec,
 * `TASKRES_FUNCTION_THREW`, `TASKRES_INVALID_VALUE`, `TASKRES_TIMEOUT` or
 * `TASKRES_MEMORY_LIMIT` for an evaluation, like any resource function.
 */
export function resolveCwl(resolver: Resolver, tool: unknown, job: unknown, options: { name?: string } = {}): Promise<CwlResources> {
  return new Promise((fulfill, reject) => {
    try {
      const target = sandboxOf(resolver);
      const compiled = compile(tool, options.name);
      evaluateJob(target, resolver.options, compiled, prepareInputs(compiled, job), { fulfill, reject });
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * Resolves many jobs (of one tool or many) through the sandbox's batches: outcomes in input
 * order, each settled on its own. Each distinct tool is compiled once per call, and its
 * function once per sandbox thread.
 */
export function resolveCwlMany(resolver: Resolver, items: readonly CwlRequest[]): Promise<CwlOutcome[]> {
  if (!Array.isArray(items)) {
    return Promise.reject(new TaskresError('TASKRES_INVALID_ARGS', `resolveCwlMany expects an array of { tool, job }, received ${items === null ? 'null' : typeof items}.`));
  }
  let target: SandboxJobTarget;
  try {
    target = sandboxOf(resolver);
  } catch (error) {
    return Promise.reject(error);
  }
  if (items.length === 0) return Promise.resolve([]);
  const limits = resolver.options;
  return new Promise((done) => {
    const outcomes = new Array<CwlOutcome>(items.length);
    let remaining = items.length;
    const settle = (index: number, outcome: CwlOutcome): void => {
      outcomes[index] = outcome;
      if (--remaining === 0) done(outcomes);
    };
    // Items usually share their tool object: compiled (or refused) once per object and name.
    const byObject = new Map<unknown, { name: string | undefined; compiled: CompiledTool | TaskresError }>();
    for (let index = 0; index < items.length; index++) {
      const sink: Outcome = {
        fulfill: (value) => settle(index, { status: 'fulfilled', value }),
        reject: (reason) => settle(index, { status: 'rejected', reason }),
      };
      try {
        const item = items[index];
        if (typeof item !== 'object' || item === null) throw new TaskresError('TASKRES_INVALID_ARGS', `resolveCwlMany item ${index} must be { tool, job }, received ${item === null ? 'null' : typeof item}.`);
        const { tool, job, name } = item;
        const known = typeof tool === 'object' && tool !== null ? byObject.get(tool) : undefined;
        let compiled = known !== undefined && known.name === name ? known.compiled : undefined;
        if (compiled === undefined) {
          try {
            compiled = compile(tool, name);
          } catch (error) {
            compiled = error as TaskresError;
          }
          if (typeof tool === 'object' && tool !== null) byObject.set(tool, { name, compiled });
        }
        if (compiled instanceof TaskresError) throw compiled;
        evaluateJob(target, limits, compiled, prepareInputs(compiled, job), sink);
      } catch (error) {
        sink.reject(error instanceof TaskresError ? error : new TaskresError('TASKRES_INVALID_ARGS', `Reading item ${index} of resolveCwlMany threw: ${String(error).slice(0, 200)}.`));
      }
    }
  });
}

/**
 * CWL's values in taskres units, each rounded up: cpu = cores, memory = ceil(ram / 1024)
 * GiB, storage = ceil((tmpdirSize + outdirSize) / 1024) GiB, gpu = cudaDeviceCount or 0.
 */
export function cwlToResources(values: CwlResources): Resources {
  return {
    cpu: values.cores,
    memory: Math.ceil(values.ram / 1024),
    storage: Math.ceil((values.tmpdirSize + values.outdirSize) / 1024),
    gpu: values.cudaDeviceCount ?? 0,
  };
}

function sandboxOf(resolver: Resolver): SandboxJobTarget {
  const target = resolver as unknown as Partial<SandboxJobTarget> | null;
  if (typeof target?.[SUBMIT_SANDBOX_JOB] !== 'function') {
    throw new TaskresError('TASKRES_INVALID_ARGS', 'resolveCwl expects a resolver made with createResolver() from taskres as its first argument.');
  }
  return target as SandboxJobTarget;
}

function compile(tool: unknown, name: string | undefined): CompiledTool {
  let key: string;
  try {
    key = `${name ?? ''}\u0000${JSON.stringify(tool)}`;
  } catch {
    // Not JSON (a cycle, a BigInt): readTool reports what is wrong, or it has nothing to cache.
    return compileTool(tool, name);
  }
  const cached = compiledCache.get(key);
  if (cached) {
    compiledCache.delete(key);
    compiledCache.set(key, cached);
    return cached;
  }
  const compiled = compileTool(tool, name);
  if (compiledCache.size >= COMPILED_CACHE_SIZE) compiledCache.delete(compiledCache.keys().next().value!);
  compiledCache.set(key, compiled);
  return compiled;
}
