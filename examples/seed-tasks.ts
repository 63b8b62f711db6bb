/**
 * The tasks of Latch's "task resources" page (the seed), written with taskres.
 * Used by `taskres demo` and the tests; try `taskres resolve examples/seed-tasks.ts --task my_task --args examples/args.json`.
 */
import { TaskFile, customTask, largeGpuTask, largeTask, mediumTask, smallGpuTask, smallTask, type SandboxFile } from 'taskres';

// @small_task, @large_gpu_task ... : one task per preset.
export const myTask = smallTask(function my_small_task({ reads }: { reads: TaskFile[] }) {
  return reads.length;
});
export const assemble = mediumTask(function assemble({ reads }: { reads: TaskFile[] }) {
  return reads.length;
});
export const align = largeTask(function align({ reads }: { reads: TaskFile[] }) {
  return reads.length;
});
export const fold = smallGpuTask(function fold({ sequence }: { sequence: string }) {
  return sequence.length;
});
export const inference = largeGpuTask(function inference({ model }: { model: string }) {
  return model;
});

// @custom_task(cpu, memory)
export const sortReads = customTask(4, 16)(function sort_reads({ reads }: { reads: TaskFile[] }) {
  return reads.length;
});

// Dynamic resources: the seed's allocate_cpu and allocate_storage. They run in the sandbox,
// where a file is a SandboxFile (path, name, size() in bytes). Latch's versions take
// `**kwargs` too; here a function simply names the parameters it reads.
/** Number of cores: one per file, at most 8. */
export function allocate_cpu({ files }: { files: SandboxFile[] }): number {
  return Math.min(8, files.length);
}

/** GiB of storage: 1.5 times the total input size, rounded down as Latch's `int()` does. */
export function allocate_storage({ files }: { files: SandboxFile[] }): number {
  return Math.floor(files.reduce((total, file) => total + 1.5 * file.size(), 0) / 1024 ** 3);
}

// @custom_task(cpu=allocate_cpu, memory=8, storage=allocate_storage)
export const dynamicTask = customTask({ cpu: allocate_cpu, memory: 8, storage: allocate_storage })(function my_task({
  files,
  count,
}: {
  files: TaskFile[];
  count: number;
}) {
  return files.length * count;
});
