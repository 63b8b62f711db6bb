/**
 * What the CLI and the service read: task specs (JSON, one or an array) and modules of tasks
 * (see ./modules.ts), each giving the tasks it holds with the names they were found under.
 *
 * JSON specs are data: they are checked here and their functions only ever run in the sandbox.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { defineTask, type Task } from 'taskres';
import { UsageError, whyUnreadable } from './errors.js';
import { checkModuleTasks, loadModuleTasks } from './modules.js';
import { TaskIndex, pickTask, type FoundTask } from './task-lookup.js';

/** Reads a JSON file, with a usage error that names the file when it is not JSON. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${whyUnreadable(path, error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** True for module paths (JS or TypeScript), false for JSON specs. */
export function isModulePath(path: string): boolean {
  return ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.tsx', '.jsx'].includes(extname(path));
}

/** The specs of a JSON spec file: one spec object, or an array of them. */
export function readSpecs(path: string): unknown[] {
  const json = readJson(path);
  return Array.isArray(json) ? json : [json];
}

/** Defines every task of a JSON spec file; throws the first problem. */
export function loadSpecTasks(path: string): FoundTask[] {
  return readSpecs(path).map((spec) => {
    const task = defineTask(spec as Parameters<typeof defineTask>[0]);
    return { name: task.taskName, task };
  });
}

/** Loads the tasks of SPEC, a JSON spec file or a module. */
export async function loadTasks(path: string): Promise<FoundTask[]> {
  return isModulePath(path) ? loadModuleTasks(path) : loadSpecTasks(path);
}

/**
 * The task `name` of SPEC, for resolving it. A module is loaded as `check` loads it (its
 * definitions record their problems instead of throwing), so that a problem in another task of
 * the module does not stop this one; only the chosen task's own problem is reported.
 */
export async function loadChosenTask(path: string, name: string | undefined): Promise<Task> {
  if (name === undefined || !isModulePath(path)) return pickTask(await loadTasks(path), name, path);
  const { found, definitions, failure } = await checkModuleTasks(path);
  if (failure) throw failure;
  const task = new TaskIndex(found).get(name);
  if (task) return task;
  const problem = definitions.find((d) => d.name === name && d.problems.length > 0)?.problems[0];
  if (problem) throw problem;
  return pickTask(found, name, path);
}
