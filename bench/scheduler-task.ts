/**
 * The task and arguments a scheduler resolves, in the form schedulers write them (issue 21):
 * a `customTask` whose cpu is the seed's `allocate_cpu` as a JS function, `memory: 8`, and two
 * new `TaskFile`s per item. The items match the reference floor's (bench/floor.mjs): files
 * `/data/a<j % 97>.fq` and `/data/b.fq`, `count: j`.
 */
import { TaskFile, customTask, type SandboxFile } from '../src/index.js';

/** The seed's allocate_cpu. */
function allocate_cpu({ files }: { files: SandboxFile[] }): number {
  return Math.min(8, files.length);
}

/** The seed's my_task with a dynamic cpu. */
export const schedulerTask = customTask({ cpu: allocate_cpu, memory: 8 })(function my_task({ files, count }: { files: TaskFile[]; count: number }) {
  return files.length * count;
});

/** The arguments of item `j`: two new TaskFile objects, as a scheduler makes them per task. */
export function schedulerArgs(j: number): { files: TaskFile[]; count: number } {
  return { files: [new TaskFile(`/data/a${j % 97}.fq`), new TaskFile('/data/b.fq')], count: j };
}

/** `count` requests for resolveMany, each with its own new files. */
export function schedulerRequests(count: number): { task: typeof schedulerTask; args: { files: TaskFile[]; count: number } }[] {
  const requests = new Array<{ task: typeof schedulerTask; args: { files: TaskFile[]; count: number } }>(count);
  for (let j = 0; j < count; j++) requests[j] = { task: schedulerTask, args: schedulerArgs(j) };
  return requests;
}
