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

/** Storage (GiB) a task gets when it does not say: Latch's `custom_task` default. */
export const DEFAULT_STORAGE_GIB = 500;

/** GPUs a task gets when it does not say. */
export const DEFAULT_GPU = 0;

/** The unit of each resource, for messages and tables. */
export const RESOURCE_UNITS: Readonly<Record<ResourceName, string>> = Object.freeze({
  cpu: 'cores',
  memory: 'GiB',
  storage: 'GiB',
  gpu: 'GPUs',
});
