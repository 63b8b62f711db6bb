/**
 * The reference floor, loaded from bench/floor.mjs: a byte-for-byte copy of the session's
 * shared `bench/floor.mjs` (raw isolated-vm in one thread, the batch as one JSON string, files
 * revived with a reviver, numbers out; no pool, no process hop, no validation, no hardening).
 * It is kept unchanged so that its figure means the same in every clone; every throughput of
 * the benchmark is reported as a ratio to it, measured in the same run.
 *
 * The file is imported at run time rather than bundled, so what runs is that file as it is.
 * It loads isolated-vm relative to the working directory, so it is imported from the
 * project's root.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The floor's one export: evaluates `n` items (two files each) and returns how many came out right. */
export type FloorRun = (n?: number) => number;

/** Loads bench/floor.mjs (once; it makes its isolate at import). */
export async function loadReferenceFloor(): Promise<FloorRun> {
  // dist/bench.js and bench/*.ts both sit one level below the project's root.
  const root = fileURLToPath(new URL('..', import.meta.url));
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const module = (await import(pathToFileURL(`${root}bench/floor.mjs`).href)) as { floorRun: FloorRun };
    return module.floorRun;
  } finally {
    process.chdir(cwd);
  }
}

/** Items per second of the floor over `n` items, checking its results. */
export function floorItemsPerSec(floorRun: FloorRun, n: number): number {
  const t = performance.now();
  const ok = floorRun(n);
  const elapsedMs = performance.now() - t;
  // floorRun works in calls of 500 items: a count that is not a multiple rounds up.
  if (ok < n) throw new Error(`the reference floor computed ${ok} of ${n} results right`);
  return ok / (elapsedMs / 1000);
}
