/**
 * Modules of tasks (JS or TypeScript, compiled with esbuild, with `taskres` resolved to the copy
 * the caller runs) and the tasks they export. Modules are trusted code: importing one runs it
 * in this process.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTaskresError, type Task } from 'taskres';
import { describeThrown, escapeControls } from '../core/text.js';
import type { CheckedDefinition } from './check-hooks.js';
import { SpecError, UsageError, whyUnreadable } from './errors.js';
import type { FoundTask } from './task-lookup.js';

/** True for a task of the running taskres: a function carrying the public task fields. */
export function isTask(value: unknown): value is Task {
  if (typeof value !== 'function') return false;
  const task = value as Partial<Task>;
  return typeof task.taskName === 'string' && Array.isArray(task.params) && typeof task.toJSON === 'function';
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
  return new SpecError(`cannot load ${path}: it threw ${escapeControls(describeThrown(error))}`);
}

/**
 * Compiles a module (with `taskres` resolved to `taskresUrl`, left external) into a temp file;
 * `evaluate` imports it and removes the file.
 */
async function importModule(path: string, taskresUrl: string): Promise<{ evaluate(): Promise<Record<string, unknown>> }> {
  const entry = resolve(path);
  // Said in the CLI's words (as for JSON specs), not the bundler's ("Could not resolve").
  if (!existsSync(entry)) throw new UsageError(`cannot read ${path}: ${whyUnreadable(path, Object.assign(new Error(), { code: 'ENOENT' }))}`);
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
    throw new UsageError(`cannot compile ${path}: ${first ? `${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ''}` : escapeControls(describeThrown(error))}`);
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
