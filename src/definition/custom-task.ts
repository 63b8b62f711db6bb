/** `customTask`: any resources, static or computed by resource functions. */
import { TaskresError } from '../core/errors.js';
import type { TaskResourcesInput } from './task.js';
import { makeTaskWrapper, type TaskWrapper } from './wrap.js';

/**
 * Declares custom resources. Three forms:
 * - `customTask(cpu, memory)`: cores and GiB, like Latch's `custom_task(cpu, memory)`;
 * - `customTask({ cpu, memory, storage, gpu, gpuType })`: static numbers;
 * - the same object with resource functions (or their source text) for any of the four.
 *
 * Every value is checked when the wrapper is applied to the task function.
 */
export function customTask(cpu: number, memory: number): TaskWrapper;
export function customTask(resources: TaskResourcesInput): TaskWrapper;
export function customTask(cpuOrResources: number | TaskResourcesInput, memory?: number, ...extra: unknown[]): TaskWrapper {
  if (typeof cpuOrResources === 'object' && cpuOrResources !== null) {
    if (memory !== undefined || extra.length > 0) {
      throw new TaskresError('TASKRES_INVALID_SPEC', 'customTask takes either (cpu, memory) or one options object, not both.');
    }
    return makeTaskWrapper(cpuOrResources);
  }
  if (extra.length > 0) {
    throw new TaskresError(
      'TASKRES_INVALID_SPEC',
      `customTask(cpu, memory) takes two numbers, received ${2 + extra.length} arguments; for storage and gpu use customTask({ cpu, memory, storage, gpu }).`,
    );
  }
  return makeTaskWrapper({ cpu: cpuOrResources as number, memory: memory as number });
}
