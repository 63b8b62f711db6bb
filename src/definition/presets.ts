/**
 * Latch's prespecified task resources, with the same numbers, usable as `smallTask(fn)` or
 * as TypeScript 5 method decorators (`@smallTask`).
 */
import { makeTaskWrapper, type TaskWrapper } from './wrap.js';

/** A preset's resources. Storage is the default ({@link DEFAULT_STORAGE_GIB} GiB). */
export interface Preset {
  readonly cpu: number;
  readonly memory: number;
  readonly gpu: number;
  readonly gpuType?: string;
}

/** The GPU of Latch's GPU presets: an NVIDIA A10G (24 GiB VRAM, 9,216 CUDA cores). */
export const A10G = 'nvidia-a10g';

/** The presets, exactly as Latch defines them. */
export const PRESETS = Object.freeze({
  smallTask: Object.freeze({ cpu: 2, memory: 4, gpu: 0 }),
  mediumTask: Object.freeze({ cpu: 32, memory: 128, gpu: 0 }),
  largeTask: Object.freeze({ cpu: 96, memory: 192, gpu: 0 }),
  smallGpuTask: Object.freeze({ cpu: 8, memory: 32, gpu: 1, gpuType: A10G }),
  largeGpuTask: Object.freeze({ cpu: 31, memory: 120, gpu: 1, gpuType: A10G }),
} satisfies Record<string, Preset>);

/** The name of a preset. */
export type PresetName = keyof typeof PRESETS;

/** 2 cores, 4 GiB memory, no GPU. */
export const smallTask: TaskWrapper = makeTaskWrapper(PRESETS.smallTask);
/** 32 cores, 128 GiB memory, no GPU. */
export const mediumTask: TaskWrapper = makeTaskWrapper(PRESETS.mediumTask);
/** 96 cores, 192 GiB memory, no GPU. */
export const largeTask: TaskWrapper = makeTaskWrapper(PRESETS.largeTask);
/** 8 cores, 32 GiB memory, 1 NVIDIA A10G GPU. */
export const smallGpuTask: TaskWrapper = makeTaskWrapper(PRESETS.smallGpuTask);
/** 31 cores, 120 GiB memory, 1 NVIDIA A10G GPU. */
export const largeGpuTask: TaskWrapper = makeTaskWrapper(PRESETS.largeGpuTask);
