/**
 * `createResolver`: computes a task's resources from its arguments. Static values are checked
 * here, in the user's process; resource functions run in the sandbox process, and what they
 * return is validated here with zod against the resolver's limits.
 */
import type { z } from 'zod';
import { TaskresError, type ResourceName } from '../errors.js';
import { describeOutOfRange, rangeSchema } from '../resource-range.js';
import { getTaskDefinition, type DynamicResource, type TaskDefinition } from '../definition/task.js';
import { RESOURCE_NAMES, type Resources } from '../units.js';
import { encodeArgs } from './encode-args.js';
import { resolveOptions, type ResolvedOptions, type ResolverOptions } from './options.js';
import { Supervisor, type EvaluationOutcome } from './supervisor.js';

/** One item of {@link Resolver.resolveMany}. */
export interface ResolveRequest {
  task: unknown;
  args: unknown;
}

/** The outcome of one item of {@link Resolver.resolveMany}, like `Promise.allSettled`. */
export type ResolveOutcome = { status: 'fulfilled'; value: Resources } | { status: 'rejected'; reason: TaskresError };

/** Computes task resources; see {@link createResolver}. */
export interface Resolver {
  /** Resolves one task's resources for `args` (exactly the task's parameters). */
  resolve(task: unknown, args: unknown): Promise<Resources>;
  /** Resolves many, batched; outcomes in input order, each settled on its own. */
  resolveMany(requests: readonly ResolveRequest[]): Promise<ResolveOutcome[]>;
  /** Waits for work in flight, then stops the sandbox. Later calls reject with `TASKRES_CLOSED`. */
  close(): Promise<void>;
  /** The options in force, defaults applied. */
  readonly options: Readonly<Omit<ResolvedOptions, 'fileSize' | 'fileSizes' | 'onWarning'>>;
  /** How many times the sandbox process has been started (1 + restarts). */
  readonly sandboxStarts: number;
}

/**
 * Creates a resolver. It starts one sandbox process (Node with `--no-node-snapshot`) with a
 * pool of `threads` worker threads, each running resource functions in an isolated-vm isolate
 * with `timeoutMs` and `memoryLimitMiB`.
 */
export function createResolver(options: ResolverOptions = {}): Resolver {
  return new SandboxedResolver(resolveOptions(options));
}

class SandboxedResolver implements Resolver {
  private readonly supervisor: Supervisor;
  private readonly schemas: Record<ResourceName, z.ZodNumber>;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly resolved: ResolvedOptions) {
    this.supervisor = new Supervisor(resolved);
    this.schemas = Object.fromEntries(RESOURCE_NAMES.map((r) => [r, rangeSchema(resolved.limits[r])])) as Record<ResourceName, z.ZodNumber>;
    this.supervisor.warmUp();
  }

  get options(): Resolver['options'] {
    const { fileSize: _a, fileSizes: _b, onWarning: _c, ...rest } = this.resolved;
    return rest;
  }

  get sandboxStarts(): number {
    return this.supervisor.starts;
  }

  resolve(task: unknown, args: unknown): Promise<Resources> {
    try {
      return this.start(task, args);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async resolveMany(requests: readonly ResolveRequest[]): Promise<ResolveOutcome[]> {
    if (!Array.isArray(requests)) {
      throw new TaskresError('TASKRES_INVALID_ARGS', `resolveMany expects an array of { task, args }, received ${typeof requests}.`);
    }
    const pending = requests.map((request) => this.resolve(request?.task, request?.args));
    return Promise.all(
      pending.map((promise) =>
        promise.then(
          (value): ResolveOutcome => ({ status: 'fulfilled', value }),
          (reason: TaskresError): ResolveOutcome => ({ status: 'rejected', reason }),
        ),
      ),
    );
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.supervisor.close();
    return this.closing;
  }

  private start(task: unknown, args: unknown): Promise<Resources> {
    if (this.closed) throw new TaskresError('TASKRES_CLOSED', 'This resolver was closed; create a new one with createResolver().');
    const definition = getTaskDefinition(task);
    if (!definition) {
      throw new TaskresError(
        'TASKRES_INVALID_ARGS',
        `resolve expects a task made with a preset, customTask or defineTask, received ${task === null ? 'null' : typeof task === 'function' ? `the plain function '${(task as { name?: string }).name || 'anonymous'}'` : typeof task}.`,
      );
    }
    const encoded = encodeArgs(definition, args);
    if (definition.dynamics.length === 0) return Promise.resolve(this.finish(definition, []));
    return new Promise<Resources>((resolve, reject) => {
      this.supervisor.submit({
        dynamics: definition.dynamics,
        paramsJson: encoded.paramsJson,
        files: encoded.files,
        fileNames: encoded.fileNames,
        settle: (outcomes) => {
          try {
            resolve(this.finish(definition, outcomes));
          } catch (error) {
            reject(error);
          }
        },
      });
    });
  }

  /** Combines static values and function outcomes, checking each against the limits. */
  private finish(definition: TaskDefinition, outcomes: EvaluationOutcome[]): Resources {
    const result = {} as Resources;
    for (const resource of RESOURCE_NAMES) {
      const index = definition.dynamics.findIndex((d) => d.resource === resource);
      if (index < 0) {
        result[resource] = this.check(definition, resource, definition.statics[resource]!, undefined);
        continue;
      }
      const dynamic = definition.dynamics[index]!;
      const outcome = outcomes[index]!;
      if ('code' in outcome) throw this.evaluationError(definition, dynamic, outcome);
      result[resource] = this.check(definition, resource, outcome.value, dynamic);
    }
    if (definition.gpuType) result.gpuType = definition.gpuType;
    return result;
  }

  private check(definition: TaskDefinition, resource: ResourceName, value: number, dynamic: DynamicResource | undefined): number {
    if (this.schemas[resource].safeParse(value).success) return value;
    const limit = this.resolved.limits[resource];
    if (this.resolved.overLimit === 'clamp' && Number.isSafeInteger(value) && value > limit.max) {
      this.resolved.onWarning({ code: 'TASKRES_CLAMPED', taskName: definition.name, resource, value, limit: limit.max });
      return limit.max;
    }
    const source = dynamic ? `The ${resource} function '${dynamic.functionName}' of task '${definition.name}' returned ${value}` : `The static ${resource} of task '${definition.name}' is ${value}`;
    throw new TaskresError('TASKRES_INVALID_VALUE', `${source}: ${describeOutOfRange(resource, limit, value)}.`, { taskName: definition.name, resource });
  }

  private evaluationError(definition: TaskDefinition, dynamic: DynamicResource, outcome: { code: TaskresError['code']; detail: string }): TaskresError {
    const what = `The ${dynamic.resource} function '${dynamic.functionName}' of task '${definition.name}'`;
    const detail = outcome.detail ? ` (${outcome.detail})` : '';
    const messages: Partial<Record<TaskresError['code'], string>> = {
      TASKRES_FUNCTION_THREW: `${what} threw: ${outcome.detail}`,
      TASKRES_TIMEOUT: `${what} ran longer than timeoutMs (${this.resolved.timeoutMs} ms)${detail}; make it faster or raise timeoutMs`,
      TASKRES_MEMORY_LIMIT: `${what} used more memory than the sandbox allows (memoryLimitMiB ${this.resolved.memoryLimitMiB})${detail}; use less, or raise memoryLimitMiB`,
      TASKRES_INVALID_VALUE: `${what} returned ${outcome.detail}: ${describeOutOfRange(dynamic.resource, this.resolved.limits[dynamic.resource], undefined).replace(/, received undefined$/, '')}`,
      TASKRES_FILE_SIZE: `${what} could not get a file size: ${outcome.detail}`,
    };
    return new TaskresError(outcome.code, `${messages[outcome.code] ?? `${what} failed: ${outcome.detail}`}.`, {
      taskName: definition.name,
      resource: dynamic.resource,
    });
  }
}
