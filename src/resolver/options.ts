/** Resolver options: validated once, here, with zod; unknown options are rejected. */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { TaskresError, type ResourceName } from '../core/errors.js';
import { closestName, formatIssues } from '../core/text.js';
import type { TaskFile } from '../definition/task-file.js';
import { DEFAULT_LIMITS, DEFAULT_STORAGE_GIB, RESOURCE_NAMES, type ResourceLimits } from '../core/units.js';

/** A warning the resolver reports through `onWarning`. */
export interface ClampWarning {
  code: 'TASKRES_CLAMPED';
  taskName: string;
  resource: ResourceName;
  /** The value the function returned. */
  value: number;
  /** The value used instead. */
  limit: number;
}

/** Options of {@link createResolver}. Every one is optional. */
export interface ResolverOptions {
  /** Worker threads of the sandbox pool. Default: the CPU count, at most 4. */
  threads?: number;
  /** Time one resource-function evaluation may take, in ms. Default 1000. */
  timeoutMs?: number;
  /** Heap cap of each isolate, in MiB. Default 32. */
  memoryLimitMiB?: number;
  /**
   * Resident-memory cap of the whole sandbox process, in MiB; past it the process is
   * restarted and the evaluation that grew it gets `TASKRES_MEMORY_LIMIT`.
   * Default: 256 + threads x (3 x memoryLimitMiB + 32).
   */
  processMemoryLimitMiB?: number;
  /** Size provider, bytes of one file, run in your process. Default: `fs.stat` next to the sandbox. */
  fileSize?: (file: TaskFile) => Promise<number> | number;
  /** Batch size provider: bytes of each file, in order. Exclusive with `fileSize`. */
  fileSizes?: (files: TaskFile[]) => Promise<number[]> | number[];
  /** Allowed range of each resource; unspecified ones keep {@link DEFAULT_LIMITS}. */
  limits?: Partial<Record<ResourceName, Partial<{ min: number; max: number }>>>;
  /** `'error'` (default): a value above max is `TASKRES_INVALID_VALUE`; `'clamp'`: use max and warn. */
  overLimit?: 'error' | 'clamp';
  /** Receives clamp warnings. Default: `process.emitWarning`. */
  onWarning?: (warning: ClampWarning) => void;
  /**
   * Storage, in GiB, of tasks that do not declare `storage` (every preset, and every
   * `customTask`/spec without it). Default 500 ({@link DEFAULT_STORAGE_GIB}, Latch's). `0`
   * requests no ephemeral storage: `toKubernetesResources` then leaves `ephemeral-storage`
   * out and the allocator reserves no disk. Must lie within `limits.storage`.
   */
  defaultStorageGiB?: number;
  /**
   * Who writes the args, so that hints name the fix that reaches them: `'library'` (default;
   * args built in code: `new TaskFile(path)`), `'cli'` (JSON args files: `{ "$file": "path" }`),
   * `'http'` (JSON bodies sent to a server: `{ "$file": "...", "size": bytes }`).
   */
  hintsFor?: HintChannel;
}

/** Where a resolver's errors are read; see {@link ResolverOptions.hintsFor}. */
export type HintChannel = 'library' | 'cli' | 'http';

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  threads: number;
  timeoutMs: number;
  memoryLimitMiB: number;
  processMemoryLimitMiB: number;
  fileSize?: (file: TaskFile) => Promise<number> | number;
  fileSizes?: (files: TaskFile[]) => Promise<number[]> | number[];
  limits: ResourceLimits;
  overLimit: 'error' | 'clamp';
  onWarning: (warning: ClampWarning) => void;
  defaultStorageGiB: number;
  hintsFor: HintChannel;
}

const wholeNumber = (min: number, max: number) => z.number().int().min(min).max(max);
const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'expected a function');
const range = z.strictObject({ min: wholeNumber(0, 1_000_000).optional(), max: wholeNumber(0, 1_000_000).optional() });

const OPTIONS = z.strictObject({
  threads: wholeNumber(1, 64).optional(),
  timeoutMs: wholeNumber(1, 600_000).optional(),
  memoryLimitMiB: wholeNumber(8, 16_384).optional(),
  processMemoryLimitMiB: wholeNumber(64, 1_048_576).optional(),
  fileSize: fn.optional(),
  fileSizes: fn.optional(),
  limits: z.strictObject({ cpu: range.optional(), memory: range.optional(), storage: range.optional(), gpu: range.optional() }).optional(),
  overLimit: z.enum(['error', 'clamp']).optional(),
  onWarning: fn.optional(),
  defaultStorageGiB: wholeNumber(0, 1_000_000).optional(),
  hintsFor: z.enum(['library', 'cli', 'http']).optional(),
});

/** Validates resolver options and applies defaults; throws `TASKRES_INVALID_SPEC`. */
export function resolveOptions(input: unknown = {}): ResolvedOptions {
  const parsed = OPTIONS.safeParse(input ?? {});
  if (!parsed.success) {
    const details = formatIssues(parsed.error.issues, {
      root: 'options',
      describe: (issue) => {
        if (issue.code !== 'unrecognized_keys') return undefined;
        return issue.keys
          .map((key) => {
            const suggestion = closestName(key, Object.keys(OPTIONS.shape));
            return `unknown option '${[...issue.path, key].join('.')}'${suggestion && issue.path.length === 0 ? ` (did you mean '${suggestion}'?)` : ''}`;
          })
          .join('; ');
      },
    });
    throw new TaskresError('TASKRES_INVALID_SPEC', `Invalid resolver options: ${details}. Valid options: ${Object.keys(OPTIONS.shape).join(', ')}.`);
  }
  const options = parsed.data;
  if (options.fileSize && options.fileSizes) {
    throw new TaskresError('TASKRES_INVALID_SPEC', 'Invalid resolver options: give either fileSize (one file) or fileSizes (a list), not both.');
  }
  const limits = {} as ResourceLimits;
  for (const resource of RESOURCE_NAMES) {
    const given = options.limits?.[resource];
    const min = given?.min ?? DEFAULT_LIMITS[resource].min;
    const max = given?.max ?? DEFAULT_LIMITS[resource].max;
    if (min > max) {
      throw new TaskresError('TASKRES_INVALID_SPEC', `Invalid resolver options: limits.${resource} has min ${min} above max ${max}.`, { resource });
    }
    limits[resource] = { min, max };
  }
  const defaultStorageGiB = options.defaultStorageGiB ?? DEFAULT_STORAGE_GIB;
  if (defaultStorageGiB < limits.storage.min || defaultStorageGiB > limits.storage.max) {
    throw new TaskresError(
      'TASKRES_INVALID_SPEC',
      `Invalid resolver options: defaultStorageGiB ${defaultStorageGiB} is outside limits.storage (${limits.storage.min} to ${limits.storage.max}); give a default within the limits${options.defaultStorageGiB === undefined ? ` (the default is ${DEFAULT_STORAGE_GIB} GiB: set defaultStorageGiB)` : ''}.`,
      { resource: 'storage' },
    );
  }
  const threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism()));
  const memoryLimitMiB = options.memoryLimitMiB ?? 32;
  return {
    threads,
    timeoutMs: options.timeoutMs ?? 1000,
    memoryLimitMiB,
    processMemoryLimitMiB: options.processMemoryLimitMiB ?? 256 + threads * (3 * memoryLimitMiB + 32),
    ...(options.fileSize ? { fileSize: options.fileSize as ResolvedOptions['fileSize'] } : {}),
    ...(options.fileSizes ? { fileSizes: options.fileSizes as ResolvedOptions['fileSizes'] } : {}),
    limits,
    overLimit: options.overLimit ?? 'error',
    onWarning: (options.onWarning as ResolvedOptions['onWarning']) ?? defaultWarning,
    defaultStorageGiB,
    hintsFor: options.hintsFor ?? 'library',
  };
}

function defaultWarning(warning: ClampWarning): void {
  process.emitWarning(
    `taskres clamped ${warning.resource} of task '${warning.taskName}' from ${warning.value} to ${warning.limit}`,
    { code: warning.code },
  );
}
