/**
 * Turns a user's function into a task, as a plain call (`smallTask(fn)`) or as a TypeScript 5
 * method decorator (`@smallTask`). The task signature is read from the function's source.
 */
import { TaskresError } from '../core/errors.js';
import { parseFunction } from './analyze-source.js';
import { buildTask, type Task, type TaskResourcesInput } from './task.js';

/** A function that turns a function into a task; also usable as a method decorator. */
export interface TaskWrapper {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  <F extends (...args: any[]) => any>(fn: F): Task<F>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  <F extends (...args: any[]) => any>(fn: F, context: ClassMethodDecoratorContext): Task<F>;
}

/** Makes a {@link TaskWrapper} that declares `resources` for every function it wraps. */
export function makeTaskWrapper(resources: TaskResourcesInput | Readonly<Record<string, unknown>>): TaskWrapper {
  const wrapper = (fn: unknown, context?: ClassMethodDecoratorContext): Task => {
    if (typeof fn !== 'function') {
      throw new TaskresError('TASKRES_INVALID_SPEC', `A task wrapper expects the task function, received ${fn === null ? 'null' : typeof fn}.`);
    }
    if (context !== undefined && context.kind !== 'method') {
      throw new TaskresError('TASKRES_INVALID_SPEC', `Task decorators apply to methods, not to a ${String(context.kind)}.`);
    }
    const name = taskNameOf(fn, context);
    const params = readTaskSignature(fn as (...args: unknown[]) => unknown, name);
    return buildTask({ name, params, resources: { ...resources }, body: fn as (...args: unknown[]) => unknown });
  };
  return wrapper as TaskWrapper;
}

/**
 * The name a task wrapper gives the task of `fn`: a decorated method's name (a symbol's
 * description), else the function's own name, else `anonymous`. Exported so that tools that
 * stand in for a wrapper (the CLI's check hooks) name tasks by the same rule.
 */
export function taskNameOf(fn: unknown, context?: ClassMethodDecoratorContext): string {
  if (context) return String(context.name).replace(/^Symbol\((.*)\)$/, '$1');
  return (typeof fn === 'function' && fn.name) || 'anonymous';
}

/** The parameter names of a task function, read from its source. */
export function readTaskSignature(fn: (...args: unknown[]) => unknown, taskName: string): string[] {
  try {
    const parsed = parseFunction(Function.prototype.toString.call(fn), `The function of task '${taskName}'`);
    // A retry context is for resource functions; a task function's parameters are its signature.
    if (parsed.context !== undefined) throw new TaskresError('TASKRES_INVALID_SPEC', 'It takes a second parameter after its object pattern.');
    return parsed.binding.names;
  } catch (error) {
    if (!(error instanceof TaskresError)) throw error;
    throw new TaskresError(
      'TASKRES_INVALID_SPEC',
      `Cannot read the parameter names of task '${taskName}': ${error.message} Declare its parameters as one object pattern ({ files, count }) or plain names (files, count).`,
      { taskName },
    );
  }
}
