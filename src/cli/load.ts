/**
 * What the CLI reads: task specs (JSON, one or an array), modules of tasks (JS or TypeScript,
 * compiled with esbuild, with `taskres` resolved to the copy the CLI runs), and argument files
 * whose `{ "$file": "path" }` entries become TaskFile values.
 *
 * JSON specs are data: they are checked here and their functions only ever run in the sandbox.
 * Modules are trusted code: importing one runs it in this process.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskFile, defineTask, isTaskresError, type Task } from 'taskres';
import type { CheckedDefinition } from './check-hooks.js';
import { describeThrown, show } from './output.js';

/** A task found in a spec file or module, with the name it was found under. */
export interface FoundTask {
  name: string;
  task: Task;
}

/** Reads a JSON file, with a usage error that names the file when it is not JSON. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A mistake in how the CLI was called or in a file it was given (exit code 2). */
export class UsageError extends Error {}

/** A module spec that failed to load for a reason of its own (exit code 1). */
export class SpecError extends Error {}

/** True for a task of the running taskres: a function carrying the public task fields. */
export function isTask(value: unknown): value is Task {
  if (typeof value !== 'function') return false;
  const task = value as Partial<Task>;
  return typeof task.taskName === 'string' && Array.isArray(task.params) && typeof task.toJSON === 'function';
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

/**
 * Loads a module and returns its exported tasks. TypeScript is compiled with esbuild; the
 * module's `taskres` imports resolve to the very file the CLI's own `import 'taskres'`
 * loaded, so there is one copy of the library in the process.
 */
export async function loadModuleTasks(path: string): Promise<FoundTask[]> {
  const module = await importModule(path, import.meta.resolve('taskres'));
  try {
    return tasksOf(await module.evaluate());
  } catch (error) {
    throw loadFailure(path, error);
  }
}

/** What `taskres check` learns from a module: its tasks, every definition it made, and how loading ended. */
export interface ModuleCheck {
  found: FoundTask[];
  definitions: CheckedDefinition[];
  /** What the module threw while loading, if it did (after the definitions listed). */
  failure?: Error;
}

/**
 * Loads a module for `taskres check`: its `taskres` imports get dist/check-hooks.js, the
 * library's exports with task definitions that record every problem instead of throwing at the
 * first (see ./check-hooks.ts), so every task of the module is checked.
 */
export async function checkModuleTasks(path: string): Promise<ModuleCheck> {
  const hooksUrl = new URL('./check-hooks.js', import.meta.url).href;
  const hooks = (await import(hooksUrl)) as typeof import('./check-hooks.js');
  const module = await importModule(path, hooksUrl);
  hooks.takeDefinitions();
  try {
    const found = tasksOf(await module.evaluate());
    return { found, definitions: hooks.takeDefinitions() };
  } catch (error) {
    return { found: [], definitions: hooks.takeDefinitions(), failure: loadFailure(path, error) };
  }
}

function tasksOf(module: Record<string, unknown>): FoundTask[] {
  const found: FoundTask[] = [];
  for (const [exportName, value] of Object.entries(module)) {
    if (isTask(value)) found.push({ name: exportName, task: value });
  }
  return found;
}

/**
 * A task definition the library refused keeps its code; anything else the module threw is
 * reported by its message alone: its stack is of no use to the person running the CLI.
 */
function loadFailure(path: string, error: unknown): Error {
  if (isTaskresError(error)) return error;
  return new SpecError(`cannot load ${path}: it threw ${describeThrown(error)}`);
}

/**
 * Compiles a module (with `taskres` resolved to `taskresUrl`, left external) into a temp file;
 * `evaluate` imports it and removes the file.
 */
async function importModule(path: string, taskresUrl: string): Promise<{ evaluate(): Promise<Record<string, unknown>> }> {
  const entry = resolve(path);
  // Said in the CLI's words (as for JSON specs), not the bundler's ("Could not resolve").
  if (!existsSync(entry)) throw new UsageError(`cannot read ${path}: ENOENT (no such file)`);
  // Loaded only for module specs: JSON specs (and `taskres serve` starting) do not pay for it.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // Keeps function names (task names) that bundling would otherwise rename.
    keepNames: true,
    plugins: [
      {
        name: 'taskres-self',
        setup(builder) {
          builder.onResolve({ filter: /^taskres$/ }, () => ({ path: taskresUrl, external: true }));
        },
      },
    ],
  }).catch((error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
    const first = error.errors?.[0];
    throw new UsageError(`cannot compile ${path}: ${first ? `${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ''}` : describeThrown(error)}`);
  });
  return {
    async evaluate() {
      const out = mkdtempSync(join(tmpdir(), 'taskres-module-'));
      try {
        const file = join(out, 'module.mjs');
        writeFileSync(file, result.outputFiles[0]!.text);
        return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
  };
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
  const match = found.find((f) => f.task.taskName === name) ?? found.find((f) => f.name === name);
  if (match) return match.task;
  const problem = definitions.find((d) => d.name === name && d.problems.length > 0)?.problems[0];
  if (problem) throw problem;
  return pickTask(found, name, path);
}

/** Picks the task named `name` (task name or export name); the only task when `name` is not given. */
export function pickTask(found: FoundTask[], name: string | undefined, source: string): Task {
  if (name === undefined) {
    if (found.length === 1) return found[0]!.task;
    throw new UsageError(`${source} holds ${found.length} tasks (${describe(found)}); choose one with --task NAME`);
  }
  const match = found.find((f) => f.task.taskName === name) ?? found.find((f) => f.name === name);
  if (!match) throw new UsageError(`no task named '${name}' in ${source}; it holds: ${describe(found) || 'no tasks'}`);
  return match.task;
}

function describe(found: FoundTask[]): string {
  return found.map((f) => (f.name === f.task.taskName ? f.name : `${f.task.taskName} (export ${f.name})`)).join(', ');
}

/** How deep the CLI follows an argument file; deeper is refused before anything recurses. */
export const MAX_ARGS_DEPTH = 1000;

/**
 * Reads an argument file: `{ "$file": "path" }` anywhere becomes a TaskFile; relative paths are
 * relative to the file; `{ "$file": "uri", "size": bytes }` is a file whose size is known (never
 * looked up). An object with a `$file` key is always a file: a `$file` that is not a
 * non-empty string, or other keys beside it, is an error naming the field.
 */
export function readArgs(path: string): Record<string, unknown> {
  const json = readJson(path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`${path} must hold a JSON object of the task's parameters, e.g. { "files": [{ "$file": "a.fq" }], "count": 3 }`);
  }
  return reviveArgs(json, dirname(resolve(path)), (at, problem) => {
    throw new UsageError(`${at} in ${path} ${problem}`);
  }) as Record<string, unknown>;
}

/**
 * JSON args with every `{ "$file": path }` made a TaskFile (relative local paths relative to
 * `base`) and `{ "$file": uri, "size": bytes }` a TaskFile of known size. A problem is reported
 * through `fail(at, problem)`, `at` the (shortened, escaped) path to the value and `problem` the
 * rest of the sentence, so each caller throws its own kind of error; `fail` must throw.
 */
export function reviveArgs(json: unknown, base: string, fail: (at: string, problem: string) => never): unknown {
  const where = (at: string) => show(at.length > 120 ? `${at.slice(0, 120)}…` : at, 200);
  const revive = (value: unknown, at: string, depth: number): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (depth > MAX_ARGS_DEPTH) fail(where(at), `nests values more than ${MAX_ARGS_DEPTH} levels deep; task arguments are plain data, not deep structures`);
    if (Array.isArray(value)) return value.map((item, i) => revive(item, `${at}[${i}]`, depth + 1));
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, '$file')) return readFileEntry(record, at, base, (field, problem) => fail(where(field), problem));
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, revive(item, `${at}.${key}`, depth + 1)]));
  };
  return revive(json, 'args', 0);
}

function readFileEntry(record: Record<string, unknown>, at: string, base: string, fail: (at: string, problem: string) => never): TaskFile {
  const file = record.$file;
  const extra = Object.keys(record).filter((key) => key !== '$file' && key !== 'size');
  if (typeof file !== 'string' || file.length === 0) {
    const received = typeof file === 'string' ? 'an empty string' : file === null ? 'null' : Array.isArray(file) ? 'an array' : typeof file;
    fail(`${at}.$file`, `must be a non-empty path or URL string, received ${received}; write a file as { "$file": "reads.fq" }`);
  }
  if (extra.length > 0) {
    fail(`${at}.$file`, `is a file, written { "$file": "path" } or { "$file": "uri", "size": bytes } with no other keys, received also ${extra.slice(0, 5).map((key) => `'${show(key, 40)}'`).join(', ')}`);
  }
  const size = record.size;
  if (size !== undefined && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) {
    fail(`${at}.size`, `must be the file's size in bytes (a whole number, at least 0), received ${typeof size === 'number' ? show(String(size), 40) : size === null ? 'null' : typeof size}`);
  }
  const options = size === undefined ? undefined : { size };
  // The library decides what is a local path (and what a URL); only relative local paths move.
  const given = new TaskFile(file, options);
  return given.localPath !== undefined && !file.startsWith('file:') && !isAbsolute(file) ? new TaskFile(join(base, file), options) : given;
}

