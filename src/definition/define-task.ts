/** `defineTask`: tasks whose spec arrives as data (JSON uploads, CLI spec files). */
import { z } from 'zod';
import { TaskresError } from '../errors.js';
import { buildTask, checkTask, type Task, type TaskSpec } from './task.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const SPEC_SCHEMA = z.strictObject({
  name: z.string().min(1).max(200),
  params: z.array(z.string().regex(IDENTIFIER)).refine((p) => new Set(p).size === p.length, 'parameter names must be unique'),
  resources: z.record(z.string(), z.unknown()),
});

/**
 * Defines a task from its spec (the shape `task.toJSON()` gives). Resource functions are
 * given as source text. Applies every definition-time check; throws the first problem.
 * A task defined this way has no body to call.
 */
export function defineTask(spec: TaskSpec): Task {
  const input = readSpec(spec);
  return buildTask(input);
}

/**
 * Runs every definition-time check on a spec and returns all problems found (empty when
 * the spec is good), without throwing.
 */
export function checkTaskSpec(spec: unknown): TaskresError[] {
  try {
    return checkTask(readSpec(spec)).problems;
  } catch (error) {
    if (error instanceof TaskresError) return [error];
    throw error;
  }
}

function readSpec(spec: unknown): { name: string; params: string[]; resources: unknown } {
  const parsed = SPEC_SCHEMA.safeParse(spec);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((issue) => `${issue.path.length ? issue.path.join('.') : 'spec'}: ${issue.message}`)
      .join('; ');
    const name = typeof (spec as { name?: unknown })?.name === 'string' ? (spec as { name: string }).name : undefined;
    throw new TaskresError(
      'TASKRES_INVALID_SPEC',
      `Invalid task spec${name ? ` '${name}'` : ''}: ${details}. Expected { name: string, params: string[], resources: { cpu, memory, storage?, gpu?, gpuType? } }.`,
      name ? { taskName: name } : {},
    );
  }
  return parsed.data;
}
