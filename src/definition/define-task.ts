/** `defineTask`: tasks whose spec arrives as data (JSON uploads, CLI spec files). */
import { z } from 'zod';
import { TaskresError } from '../core/errors.js';
import { clip, formatIssues } from '../core/text.js';
import { buildTask, checkTask, type DefinitionOptions, type Task, type TaskSpec } from './task.js';

export { DEFAULT_MAX_SOURCE_CHARS } from './task.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const SPEC_SCHEMA = z.strictObject({
  name: z.string().min(1).max(200),
  params: z.array(z.string().regex(IDENTIFIER)).refine((p) => new Set(p).size === p.length, 'parameter names must be unique'),
  resources: z.record(z.string(), z.unknown()),
  // Also accepted beside `resources` (where toJSON() puts it, as customTask takes it).
  retry: z.unknown().optional(),
});

const OPTIONS_SCHEMA = z
  .strictObject({
    maxSourceChars: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .optional();

/** Options of {@link defineTask} and {@link checkTaskSpec}. */
export interface DefineTaskOptions {
  /**
   * Longest resource function source accepted, in characters (default
   * {@link DEFAULT_MAX_SOURCE_CHARS}, 64 KiB); a longer one is `TASKRES_UNSERIALIZABLE`.
   */
  maxSourceChars?: number;
}

/**
 * Defines a task from its spec (the shape `task.toJSON()` gives). Resource functions are
 * given as source text. Applies every definition-time check; throws the first problem.
 * A task defined this way has no body to call. Bad options are `TASKRES_INVALID_SPEC`.
 */
export function defineTask(spec: TaskSpec, options?: DefineTaskOptions): Task {
  const checked = readOptions(options);
  return buildTask({ ...readSpec(spec), origin: 'data' }, checked);
}

/**
 * Runs every definition-time check on a spec and returns all problems found (empty when
 * the spec is good), without throwing; bad options are returned as a `TASKRES_INVALID_SPEC`
 * problem.
 */
export function checkTaskSpec(spec: unknown, options?: DefineTaskOptions): TaskresError[] {
  try {
    const checked = readOptions(options);
    return checkTask({ ...readSpec(spec), origin: 'data' }, checked).problems;
  } catch (error) {
    if (error instanceof TaskresError) return [error];
    throw error;
  }
}

function readOptions(options: unknown): DefinitionOptions {
  const parsed = OPTIONS_SCHEMA.safeParse(options);
  if (!parsed.success) {
    const details = formatIssues(parsed.error.issues, { root: 'options', maxIssues: 5, maxPathChars: 100, maxMessageChars: 200 });
    throw new TaskresError(
      'TASKRES_INVALID_SPEC',
      `Invalid task definition options: ${details}. Expected { maxSourceChars?: a whole number of characters, at least 1 }.`,
    );
  }
  return parsed.data ?? {};
}

function readSpec(spec: unknown): { name: string; params: string[]; resources: unknown } {
  const parsed = SPEC_SCHEMA.safeParse(spec);
  if (!parsed.success) {
    // A spec is untrusted data: its names, keys and zod's own text (which lists every unknown
    // key) are cut to short pieces so that an error never echoes a large part of it.
    const details = formatIssues(parsed.error.issues, { root: 'spec', maxIssues: 5, maxPathChars: 100, maxMessageChars: 200 });
    const name = typeof (spec as { name?: unknown })?.name === 'string' ? clip((spec as { name: string }).name, 100) : undefined;
    throw new TaskresError(
      'TASKRES_INVALID_SPEC',
      `Invalid task spec${name ? ` '${name}'` : ''}: ${details}. Expected { name: string, params: string[], resources: { cpu, memory, storage?, gpu?, gpuType?, retry? } }.`,
      name ? { taskName: name } : {},
    );
  }
  const { retry, ...rest } = parsed.data;
  if (retry === undefined) return rest;
  if (Object.hasOwn(rest.resources, 'retry')) {
    throw new TaskresError('TASKRES_INVALID_SPEC', `Task spec '${rest.name}' gives retry twice, beside resources and inside it; keep one (toJSON() puts it in resources).`, { taskName: rest.name });
  }
  return { ...rest, resources: { ...rest.resources, retry } };
}
