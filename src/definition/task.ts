/**
 * What a task is: the user's function, still callable, carrying its name, signature and
 * resources; plus the checked definition the resolver reads.
 */
import { z } from 'zod';
import { TaskresError, type ResourceName } from '../core/errors.js';
import { rangeSchema, describeOutOfRange, stringHint, type ValueOrigin } from '../core/resource-range.js';
import { DEFAULT_GPU, DEFAULT_LIMITS, DEFAULT_STORAGE_GIB, RESOURCE_NAMES } from '../core/units.js';
import { CONTEXT_KEYS, checkSandboxable, parseFunction, printChecked, type ParameterBinding } from './analyze-source.js';
import { checkRetryPolicy, type CheckedRetryPolicy, type RetryPolicy } from './retry-policy.js';
import { closestName } from '../core/text.js';

/** A resource function: receives task parameters by name and returns a whole number. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResourceFunction = (...params: any[]) => number;

/**
 * A file as a resource function sees it, in the sandbox: what a `TaskFile` argument
 * becomes there. Type a resource function's file parameters with it, e.g.
 * `({ files }: { files: SandboxFile[] }) => Math.ceil(files[0].size() / 1024 ** 3)`.
 */
export interface SandboxFile {
  /** The path or URL the `TaskFile` was made with. */
  readonly path: string;
  /** The last segment of the path, e.g. `a.fq` for `/data/a.fq`. */
  readonly name: string;
  /**
   * The file's size in bytes. Looked up when first called (at most once per distinct path per
   * `resolve`), by the resolver's size provider; a failed lookup ends the evaluation with
   * `TASKRES_FILE_SIZE`.
   */
  size(): number;
}

/**
 * The `args` a resolver takes for task `T`, read from the task function's type: when it takes
 * one object pattern (`({ files, count }: { files: TaskFile[]; count: number })`), that object
 * with every property required (a missing one is `TASKRES_INVALID_ARGS` at run time, so it is a
 * compile error here). `unknown` when the type does not say: tasks from `defineTask`, tasks
 * typed as plain `Task`, and functions with plain parameters (`(files, count)`), whose names a
 * type cannot carry.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskArgs<T> = T extends TaskInfo & ((...args: infer P) => any) ? ArgsOfParameters<P> : unknown;

/** The args object of a task function's parameter list, or `unknown`; see {@link TaskArgs}. */
type ArgsOfParameters<P> = P extends [infer A]
  ? A extends readonly unknown[] | ((...args: never[]) => unknown)
    ? unknown
    : A extends object
      ? { [K in keyof A]-?: Exclude<A[K], undefined> }
      : unknown
  : unknown;

/** A resource value: a number, a resource function, or the source text of one. */
export type ResourceValue = number | ResourceFunction | string;

/** The resources a task declares, before defaults. */
export interface TaskResourcesInput {
  cpu: ResourceValue;
  memory: ResourceValue;
  storage?: ResourceValue;
  gpu?: ResourceValue;
  /** The GPU model the task needs, e.g. `'nvidia-a10g'`; only meaningful with `gpu`. */
  gpuType?: string;
  /** How resources grow after a failed attempt; see {@link RetryPolicy}. */
  retry?: RetryPolicy;
}

/** The resources of a defined task: every resource present, defaults applied. */
export interface TaskResources {
  cpu: ResourceValue;
  memory: ResourceValue;
  storage: ResourceValue;
  gpu: ResourceValue;
  gpuType?: string;
}

/** The JSON form of a task: what `defineTask` takes and `toJSON()` gives. */
export interface TaskSpec {
  name: string;
  params: string[];
  resources: {
    cpu: number | string;
    memory: number | string;
    storage?: number | string;
    gpu?: number | string;
    gpuType?: string;
    /** How resources grow after a failed attempt; see {@link RetryPolicy}. */
    retry?: RetryPolicy;
  };
  /** `defineTask` also takes `retry` here, beside `resources`; `toJSON()` puts it in `resources`. */
  retry?: RetryPolicy;
}

/** What every task carries besides being callable. */
export interface TaskInfo {
  /** The task's name: its function's name, or the spec's `name`. */
  readonly taskName: string;
  /** The task signature: the parameter names of the task function. */
  readonly params: readonly string[];
  /** The declared resources, defaults applied (functions stay functions). */
  readonly resources: Readonly<TaskResources>;
  /** The spec of this task, with resource functions as source text. */
  toJSON(): TaskSpec;
}

/** A task: the user's function, unchanged in behaviour, plus {@link TaskInfo}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Task<F extends (...args: any[]) => any = (...args: any[]) => any> = F & TaskInfo;

/** A resource computed by a function, as the resolver needs it. */
export interface DynamicResource {
  resource: ResourceName;
  /** Source of one function expression, as taskres printed it from the checked syntax tree. */
  source: string;
  /** The function's name, for messages; `''` when it has none. */
  functionName: string;
  binding: ParameterBinding;
  /** The task parameters copied into the sandbox for this function. */
  paramsToCopy: readonly string[];
  /** The retry-context keys (`attempt`, `previous`) the function names; absent when none. */
  contextKeys?: readonly string[];
  /**
   * Present when the function calls `.size()`: the names those calls start from (`file` of
   * `file.size()`, `files` of `files[0].size()`, `f` of `f.size()` in a callback), for the
   * hint when a path string arrives where a file belongs. Read from the checked tree.
   */
  sizeCallRoots?: readonly string[];
}

/** A checked task definition: what the resolver works from. */
export interface TaskDefinition {
  name: string;
  params: readonly string[];
  statics: Readonly<Partial<Record<ResourceName, number>>>;
  dynamics: readonly DynamicResource[];
  gpuType?: string;
  /** Every task parameter any dynamic resource reads, in signature order. */
  paramsToCopy: readonly string[];
  /** The task's checked `retry` option, when it has one. */
  retry?: CheckedRetryPolicy;
  /** True when some resource function names the retry context (only then is it encoded). */
  readsRetryContext: boolean;
  /**
   * The resources the task did not declare, whose values are defaults (`storage`:
   * {@link DEFAULT_STORAGE_GIB} unless the resolver's `defaultStorageGiB` says otherwise; `gpu`: 0).
   */
  defaulted: readonly ResourceName[];
}

/**
 * Default of `maxSourceChars`: the longest resource function source, in characters (64 KiB),
 * that a task definition accepts. Longer sources are `TASKRES_UNSERIALIZABLE`.
 */
export const DEFAULT_MAX_SOURCE_CHARS = 65_536;

/** Options of a task definition's checks. */
export interface DefinitionOptions {
  /** Longest resource function source accepted, in characters; {@link DEFAULT_MAX_SOURCE_CHARS} by default. */
  maxSourceChars?: number;
}

// Only tasks this module built are tasks: a property any code can set (a registered symbol)
// would let a forged object hand the resolver a definition that was never checked.
const DEFINITIONS = new WeakMap<object, TaskDefinition>();

/** The checked definition behind a task, or `undefined` when `value` is not a task. */
export function getTaskDefinition(value: unknown): TaskDefinition | undefined {
  if (typeof value !== 'function') return undefined;
  return DEFINITIONS.get(value);
}

const RESOURCE_OPTION_NAMES = [...RESOURCE_NAMES, 'gpuType', 'retry'];
/** Unknown resource options reported one by one; the rest are one problem that counts them. */
const MAX_UNKNOWN_OPTIONS_LISTED = 20;
const STATIC_SCHEMAS = Object.fromEntries(RESOURCE_NAMES.map((r) => [r, rangeSchema(DEFAULT_LIMITS[r])])) as Record<
  ResourceName,
  z.ZodNumber
>;
/**
 * Names people coming from other tools write for a resource option, and the option they mean:
 * edit distance cannot see that `disk` is `storage` or `mem_mb` is `memory`.
 */
const RESOURCE_SYNONYMS: Readonly<Record<string, string>> = Object.freeze({
  disk: 'storage', disk_mb: 'storage', disk_gb: 'storage', ephemeral: 'storage', 'ephemeral-storage': 'storage', ephemeral_storage: 'storage', scratch: 'storage', tmpdir: 'storage',
  mem: 'memory', mem_mb: 'memory', mem_gb: 'memory', memory_mb: 'memory', memory_gb: 'memory', ram: 'memory',
  cores: 'cpu', cpus: 'cpu', threads: 'cpu', vcpu: 'cpu', vcpus: 'cpu', ncpus: 'cpu',
  gpus: 'gpu', accelerator: 'gpuType', accelerators: 'gpu', 'nvidia.com/gpu': 'gpu',
});

/** The unit said beside a suggested option, so `mem_mb` users learn that memory is in GiB. */
const UNIT_OF_OPTION: Readonly<Record<string, string>> = Object.freeze({
  cpu: ', in whole cores', memory: ', in GiB', storage: ', in GiB', gpu: ', in whole devices',
});

const GPU_TYPE = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/);

/** Inputs to {@link buildTask}. */
export interface TaskInput {
  name: string;
  params: readonly string[];
  resources: unknown;
  /** The task body; `undefined` for tasks defined from a spec. */
  body?: (...args: unknown[]) => unknown;
  /**
   * Where the resources came from, for the advice on a bad value: `'data'` for specs
   * (`defineTask`, `checkTaskSpec`: JSON, the CLI, HTTP), `'code'` (default) for wrappers.
   */
  origin?: ValueOrigin;
}

/**
 * Checks a task definition and returns every problem found, each a {@link TaskresError}
 * (`TASKRES_INVALID_SPEC`, `TASKRES_SIGNATURE` or `TASKRES_UNSERIALIZABLE`).
 */
export function checkTask(
  input: Omit<TaskInput, 'body'>,
  options: DefinitionOptions = {},
): { problems: TaskresError[]; definition?: TaskDefinition } {
  const { name, params } = input;
  const origin = input.origin ?? 'code';
  const maxSourceChars = options.maxSourceChars ?? DEFAULT_MAX_SOURCE_CHARS;
  const problems: TaskresError[] = [];
  const where = `task '${name}'`;
  const resources = input.resources;
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) {
    problems.push(
      new TaskresError('TASKRES_INVALID_SPEC', `Resources of ${where} must be an object like { cpu: 2, memory: 4 }, received ${resources === null ? 'null' : typeof resources}.`, { taskName: name }),
    );
    return { problems };
  }
  const record = resources as Record<string, unknown>;
  if (params.includes('__proto__')) {
    problems.push(new TaskresError('TASKRES_INVALID_SPEC', `${where} has a parameter named '__proto__'; rename it.`, { taskName: name }));
  }
  // One problem per unknown option, for the first few: a spec of 100,000 of them would
  // otherwise cost 100,000 errors (each with its stack) and as many lines in an answer.
  let unknownOptions = 0;
  for (const key of Object.keys(record)) {
    if (!RESOURCE_OPTION_NAMES.includes(key) && ++unknownOptions <= MAX_UNKNOWN_OPTIONS_LISTED) {
      const suggestion = RESOURCE_SYNONYMS[key.toLowerCase()] ?? closestName(key, RESOURCE_OPTION_NAMES);
      problems.push(
        new TaskresError(
          'TASKRES_INVALID_SPEC',
          `Unknown resource option '${key.length > 60 ? `${key.slice(0, 60)}…` : key}' in ${where}${suggestion ? ` (did you mean '${suggestion}'${UNIT_OF_OPTION[suggestion] ?? ''}?)` : ''}. Valid options: ${RESOURCE_OPTION_NAMES.join(', ')}. Units: cpu in cores, memory and storage in GiB, gpu in devices.`,
          { taskName: name },
        ),
      );
    }
  }
  if (unknownOptions > MAX_UNKNOWN_OPTIONS_LISTED) {
    problems.push(
      new TaskresError('TASKRES_INVALID_SPEC', `${where} has ${unknownOptions - MAX_UNKNOWN_OPTIONS_LISTED} more unknown resource options besides those above. Valid options: ${RESOURCE_OPTION_NAMES.join(', ')}.`, { taskName: name }),
    );
  }
  const statics: Partial<Record<ResourceName, number>> = {};
  const dynamics: DynamicResource[] = [];
  const defaulted = RESOURCE_NAMES.filter((resource) => !Object.hasOwn(record, resource) && declaredValue(record, resource) !== undefined);
  for (const resource of RESOURCE_NAMES) {
    const value = declaredValue(record, resource);
    if (value === undefined) {
      problems.push(
        new TaskresError('TASKRES_INVALID_SPEC', `${where} must declare ${resource} (a whole number, a resource function or its source text).`, { taskName: name, resource }),
      );
    } else if (typeof value === 'number') {
      // `+ 0` turns -0 into 0, which is what a task shows and sends.
      if (STATIC_SCHEMAS[resource].safeParse(value).success) statics[resource] = value + 0;
      else {
        problems.push(
          new TaskresError('TASKRES_INVALID_SPEC', `${resource} of ${where}: ${describeOutOfRange(resource, DEFAULT_LIMITS[resource], value, origin)}.`, { taskName: name, resource }),
        );
      }
    } else if (typeof value === 'string' && stringHint(resource, DEFAULT_LIMITS[resource], value) !== '') {
      // "8" or "16Gi": a number written as a string (YAML, a web form, Kubernetes), not a function's source.
      problems.push(
        new TaskresError('TASKRES_INVALID_SPEC', `${resource} of ${where}: ${describeOutOfRange(resource, DEFAULT_LIMITS[resource], value, origin)}.`, { taskName: name, resource }),
      );
    } else if (typeof value === 'function' || typeof value === 'string') {
      const dynamic = checkResourceFunction(value as ResourceFunction | string, resource, name, params, maxSourceChars, problems);
      if (dynamic) dynamics.push(dynamic);
    } else {
      problems.push(
        new TaskresError(
          'TASKRES_INVALID_SPEC',
          `${resource} of ${where} must be a whole number, a resource function or the source text of one, received ${value === null ? 'null' : typeof value}.`,
          { taskName: name, resource },
        ),
      );
    }
  }
  const gpuType = record.gpuType;
  if (gpuType !== undefined && !GPU_TYPE.safeParse(gpuType).success) {
    problems.push(
      new TaskresError('TASKRES_INVALID_SPEC', `gpuType of ${where} must be a lowercase GPU model name like 'nvidia-a10g', received ${typeof gpuType === 'string' ? JSON.stringify(gpuType.slice(0, 64)) : typeof gpuType}.`, { taskName: name }),
    );
  }
  const retry = record.retry === undefined ? undefined : checkRetryPolicy(record.retry, statics, name, problems);
  if (problems.length > 0) return { problems };
  const read = new Set(dynamics.flatMap((d) => d.paramsToCopy));
  return {
    problems,
    definition: {
      name,
      params: Object.freeze([...params]),
      statics: Object.freeze(statics),
      dynamics: Object.freeze(dynamics),
      ...(typeof gpuType === 'string' ? { gpuType } : {}),
      paramsToCopy: Object.freeze(params.filter((p) => read.has(p))),
      ...(retry ? { retry } : {}),
      readsRetryContext: dynamics.some((d) => d.contextKeys !== undefined),
      defaulted: Object.freeze(defaulted),
    },
  };
}

/** A resource's declared value, or its default when the task does not declare it. */
function declaredValue(record: Record<string, unknown>, resource: ResourceName): unknown {
  if (Object.hasOwn(record, resource)) return record[resource];
  if (resource === 'storage') return DEFAULT_STORAGE_GIB;
  if (resource === 'gpu') return DEFAULT_GPU;
  return undefined;
}

function checkResourceFunction(
  value: ResourceFunction | string,
  resource: ResourceName,
  taskName: string,
  params: readonly string[],
  maxSourceChars: number,
  problems: TaskresError[],
): DynamicResource | undefined {
  const what = describeResourceFunction(resource, typeof value === 'function' ? value.name : '', taskName);
  try {
    if (typeof value === 'function' && value.name.startsWith('bound ')) {
      throw new TaskresError('TASKRES_UNSERIALIZABLE', `${what} is a bound function; its source cannot be read. Write a plain function instead.`);
    }
    const source = typeof value === 'function' ? Function.prototype.toString.call(value) : value;
    // Before parsing: the cost of everything after grows with the length.
    if (source.length > maxSourceChars) {
      throw new TaskresError(
        'TASKRES_UNSERIALIZABLE',
        `${what} is ${source.length} characters long, over the limit of ${maxSourceChars} characters per resource function source. Make it shorter (pass large data as task parameters), or raise the limit with the option maxSourceChars of defineTask or checkTaskSpec.`,
      );
    }
    // Everything is checked on the tree of the printed text, which is also what runs.
    const parsed = printChecked(parseFunction(source, what), what);
    checkSandboxable(parsed, what);
    const functionName = parsed.name || (typeof value === 'function' ? value.name : '');
    const unknown = parsed.binding.names.filter((n) => !params.includes(n));
    if (unknown.length > 0) {
      throw new TaskresError(
        'TASKRES_SIGNATURE',
        `${describeResourceFunction(resource, functionName, taskName)} names ${unknown.map((n) => `'${n}'`).join(', ')}, which ${unknown.length > 1 ? 'are' : 'is'} not in the task signature (${params.length ? params.join(', ') : 'no parameters'}). A resource function may only name parameters of its task; use a rest element (${restExample(parsed.binding.names, params)}) to receive the others without naming them.`,
      );
    }
    const context = parsed.context;
    const strange = context?.problem ?? context?.keys.filter((k) => !CONTEXT_KEYS.includes(k)).map((k) => `names '${k.slice(0, 40)}' in its second parameter (the retry context), which holds only ${CONTEXT_KEYS.map((c) => `'${c}'`).join(' and ')}`)[0];
    if (strange !== undefined) {
      throw new TaskresError(
        'TASKRES_SIGNATURE',
        `${describeResourceFunction(resource, functionName, taskName)} ${strange}. A second parameter must be an object pattern naming ${CONTEXT_KEYS.map((c) => `'${c}'`).join(' and/or ')}, e.g. ({ files }, { attempt, previous }).`,
      );
    }
    const paramsToCopy = parsed.binding.rest ? [...params] : parsed.binding.names;
    const sizeCallRoots = findSizeCallRoots(parsed.node);
    return {
      resource,
      source: parsed.expressionSource,
      functionName,
      binding: parsed.binding,
      paramsToCopy: Object.freeze(paramsToCopy),
      ...(context ? { contextKeys: Object.freeze([...context.keys]) } : {}),
      ...(sizeCallRoots ? { sizeCallRoots: Object.freeze(sizeCallRoots) } : {}),
    };
  } catch (error) {
    if (!(error instanceof TaskresError)) throw error;
    problems.push(new TaskresError(error.code, error.message, { taskName, resource }));
    return undefined;
  }
}

/** A pattern with a rest element written with the task's own names, e.g. `{ reads, ...rest }`. */
function restExample(named: readonly string[], params: readonly string[]): string {
  const known = named.filter((n) => params.includes(n)).slice(0, 3);
  const shown = known.length > 0 ? known : params.slice(0, 1);
  return `{ ${[...shown.map((n) => n.slice(0, 40)), '...rest'].join(', ')} }`;
}

/** The most names {@link findSizeCallRoots} keeps. */
const MAX_SIZE_CALL_ROOTS = 32;

/**
 * The names `.size()` calls in a function's tree start from, or `undefined` when it makes
 * none. Iterative (the tree is as deep as the source allows) and linear in the tree's size.
 */
function findSizeCallRoots(root: object): string[] | undefined {
  let roots: string[] | undefined;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>;
    if (node.type === 'CallExpression') {
      const callee = node.callee as Record<string, unknown>;
      const property = callee.property as Record<string, unknown> | undefined;
      if (callee.type === 'MemberExpression' && !callee.computed && property?.name === 'size') {
        roots ??= [];
        let object = callee.object as Record<string, unknown>;
        while (object.type === 'MemberExpression' || object.type === 'ChainExpression') object = (object.type === 'ChainExpression' ? object.expression : object.object) as Record<string, unknown>;
        if (object.type === 'Identifier' && roots.length < MAX_SIZE_CALL_ROOTS && !roots.includes(object.name as string)) roots.push(object.name as string);
      }
    }
    for (const key in node) {
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (typeof item === 'object' && item !== null) stack.push(item);
      } else if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') stack.push(value);
    }
  }
  return roots;
}

/**
 * How messages name a resource function: `The cpu function 'allocateCpu' of task 'x'`, or
 * `The cpu function of task 'x'` when it has no name of its own (arrows, source text), so that
 * a message always says which function of which task to look at. An arrow written in the
 * options object (`{ cpu: () => 2 }`) is named after its key by JavaScript; that name says
 * nothing the resource does not, so it is left out too.
 */
export function describeResourceFunction(resource: ResourceName, functionName: string, taskName: string): string {
  return functionName && functionName !== resource
    ? `The ${resource} function '${functionName}' of task '${taskName}'`
    : `The ${resource} function of task '${taskName}'`;
}

/** Builds a task from checked input; throws the first problem found. */
export function buildTask(input: TaskInput, options: DefinitionOptions = {}): Task {
  const { problems, definition } = checkTask(input, options);
  if (!definition) throw firstProblem(problems);
  const { body, name } = input;
  const task = function (this: unknown, ...args: unknown[]): unknown {
    if (!body) {
      throw new TaskresError('TASKRES_INVALID_SPEC', `Task '${name}' was defined from a spec with defineTask and has no body to call; resolve it with a resolver instead.`, { taskName: name });
    }
    return body.apply(this, args);
  };
  const record = input.resources as Record<string, unknown>;
  const resources = Object.fromEntries(
    RESOURCE_NAMES.map((r) => [r, definition.statics[r] ?? declaredValue(record, r)]),
  ) as unknown as TaskResources;
  if (definition.gpuType) resources.gpuType = definition.gpuType;
  const spec = toSpec(definition);
  Object.defineProperties(task, {
    name: { value: name },
    taskName: { value: name, enumerable: true },
    params: { value: definition.params, enumerable: true },
    resources: { value: Object.freeze(resources), enumerable: true },
    toJSON: { value: () => structuredClone(spec) },
  });
  DEFINITIONS.set(task, Object.freeze(definition));
  return task as unknown as Task;
}

function toSpec(definition: TaskDefinition): TaskSpec {
  const resources: TaskSpec['resources'] = { cpu: 0, memory: 0 };
  for (const resource of RESOURCE_NAMES) {
    // Storage the task never declared stays undeclared, so a resolver's defaultStorageGiB
    // still applies after a round trip through JSON.
    if (resource === 'storage' && definition.defaulted.includes(resource)) continue;
    const dynamic = definition.dynamics.find((d) => d.resource === resource);
    resources[resource] = dynamic ? dynamic.source : (definition.statics[resource] as number);
  }
  if (definition.gpuType) resources.gpuType = definition.gpuType;
  if (definition.retry) resources.retry = structuredClone(definition.retry.spec);
  return { name: definition.name, params: [...definition.params], resources };
}

function firstProblem(problems: TaskresError[]): TaskresError {
  const [first, ...rest] = problems;
  if (!first) throw new Error('unreachable: a task without a definition has problems');
  if (rest.length === 0) return first;
  return new TaskresError(first.code, `${first.message} (and ${rest.length} more problem${rest.length > 1 ? 's' : ''}: ${[...new Set(rest.map((p) => p.code))].join(', ')}; run checkTaskSpec or \`taskres check\` to list them all)`, {
    ...(first.taskName === undefined ? {} : { taskName: first.taskName }),
    ...(first.resource === undefined ? {} : { resource: first.resource }),
  });
}
