/**
 * Units, defaults and limits of the resources a task requests.
 * `cpu`: whole cores. `memory`: GiB. `storage`: GiB of ephemeral disk. `gpu`: whole devices.
 */
import type { ResourceName } from './errors.js';

export type { ResourceName } from './errors.js';

/** The four resources, in the order taskres always lists them. */
export const RESOURCE_NAMES: readonly ResourceName[] = Object.freeze(['cpu', 'memory', 'storage', 'gpu']);

/** What a resolved task needs: whole numbers in the units above. */
export interface Resources {
  /** Whole cores. */
  cpu: number;
  /** GiB of memory. */
  memory: number;
  /** GiB of ephemeral storage. */
  storage: number;
  /** Whole GPU devices. */
  gpu: number;
  /** The GPU model required, when the task names one (e.g. `'nvidia-a10g'`). */
  gpuType?: string;
}

/** An inclusive range of whole numbers. */
export interface Range {
  min: number;
  max: number;
}

/** The allowed range of each resource. */
export type ResourceLimits = Record<ResourceName, Range>;

/**
 * Default limits, taken from Latch's largest node group (126 cores, 975 GiB memory,
 * 4,949 GiB storage) plus 8 GPUs. Static values are checked against these when a task is
 * defined; a resolver checks every value against its own `limits` (these by default).
 */
export const DEFAULT_LIMITS: Readonly<ResourceLimits> = Object.freeze({
  cpu: Object.freeze({ min: 1, max: 126 }),
  memory: Object.freeze({ min: 1, max: 975 }),
  storage: Object.freeze({ min: 0, max: 4949 }),
  gpu: Object.freeze({ min: 0, max: 8 }),
});

/**
 * Storage (GiB) a task gets when it does not say: Latch's `custom_task` default. A resolver
 * can give another with its option `defaultStorageGiB` (0: request no ephemeral storage).
 */
export const DEFAULT_STORAGE_GIB = 500;

/**
 * A copy of `resources` as one object literal, keys in the usual order. Not `{ ...resources }`:
 * V8 gives a spread copy a map of its own, on which marking it (markDefaulted) costs several
 * microseconds per result instead of one (bench: 4-15 against ~1.1 µs).
 */
export function copyResources(resources: Resources): Resources {
  const copy: Resources = { cpu: resources.cpu, memory: resources.memory, storage: resources.storage, gpu: resources.gpu };
  if (resources.gpuType !== undefined) copy.gpuType = resources.gpuType;
  return copy;
}

// Registered, so that every copy of taskres (ESM and CJS builds) reads the same fact.
const DEFAULTED = Symbol.for('taskres.defaulted');

/**
 * Records on a result which of its values are defaults the task never declared. The fact is a
 * non-enumerable property: results keep their plain `{ cpu, memory, storage, gpu }` shape in
 * JSON and comparisons, and a copy made with spread or JSON does not carry it.
 */
export function markDefaulted<T extends Resources>(resources: T, defaulted: readonly ResourceName[]): T {
  if (defaulted.length > 0) Object.defineProperty(resources, DEFAULTED, { value: defaulted, enumerable: false });
  return resources;
}

/**
 * The resources of a result from `resolve` whose values are defaults because the task never
 * declared them (e.g. `['storage', 'gpu']` for a preset task), or `[]` when none were or the
 * value did not come from a resolver (a copy made with spread or JSON does not carry it).
 */
export function defaultedResources(resources: unknown): readonly ResourceName[] {
  if (typeof resources !== 'object' || resources === null) return [];
  const value = (resources as Record<symbol, unknown>)[DEFAULTED];
  return Array.isArray(value) ? (value as ResourceName[]) : [];
}

/** GPUs a task gets when it does not say. */
export const DEFAULT_GPU = 0;

/** The unit of each resource, for messages and tables. */
export const RESOURCE_UNITS: Readonly<Record<ResourceName, string>> = Object.freeze({
  cpu: 'cores',
  memory: 'GiB',
  storage: 'GiB',
  gpu: 'GPUs',
});
