/**
 * What the CLI reads: task specs (JSON, one or an array), modules of tasks (JS or TypeScript,
 * compiled with esbuild, with `taskres` resolved to this package), and argument files whose
 * `{ "$file": "path" }` entries become TaskFile values.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { hasUrlScheme } from '../definition/task-file.js';
import { TaskFile, defineTask, getTaskDefinitionForCli, type Task } from './library.js';

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

/** A mistake in how the CLI was called (exit code 2). */
export class UsageError extends Error {}

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
 * module's `taskres` imports resolve to this copy of taskres.
 */
export async function loadModuleTasks(path: string): Promise<FoundTask[]> {
  const entry = resolve(path);
  const library = new URL('./index.js', import.meta.url).pathname;
  const out = mkdtempSync(join(tmpdir(), 'taskres-module-'));
  try {
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
            builder.onResolve({ filter: /^taskres$/ }, () => ({ path: library, external: true }));
          },
        },
      ],
    }).catch((error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
      const first = error.errors?.[0];
      throw new UsageError(`cannot compile ${path}: ${first ? `${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ''}` : String(error)}`);
    });
    const file = join(out, 'module.mjs');
    writeFileSync(file, result.outputFiles[0]!.text);
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const found: FoundTask[] = [];
    for (const [exportName, value] of Object.entries(module)) {
      if (getTaskDefinitionForCli(value)) found.push({ name: exportName, task: value as Task });
    }
    return found;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Loads the tasks of SPEC, a JSON spec file or a module. */
export async function loadTasks(path: string): Promise<FoundTask[]> {
  return isModulePath(path) ? loadModuleTasks(path) : loadSpecTasks(path);
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

/** Reads an argument file: `{ "$file": "path" }` anywhere becomes a TaskFile; relative paths are relative to the file. */
export function readArgs(path: string): Record<string, unknown> {
  const json = readJson(path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`${path} must hold a JSON object of the task's parameters, e.g. { "files": [{ "$file": "a.fq" }], "count": 3 }`);
  }
  const base = dirname(resolve(path));
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    if (Object.keys(record).length === 1 && typeof record.$file === 'string') {
      const file = record.$file;
      return new TaskFile(hasUrlScheme(file) || isAbsolute(file) ? file : join(base, file));
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, revive(item)]));
  };
  return revive(json) as Record<string, unknown>;
}

