/**
 * What a module's `import 'taskres'` gets while `taskres check` loads it (built to
 * dist/check-hooks.js; the CLI's bundler points the module's `taskres` imports here).
 *
 * The library throws at a task definition's first problem, as it must for normal imports: a
 * module that throws at its first bad `customTask(...)` never reaches the others. For `check`,
 * the task-defining exports are replaced by versions that call the real ones and, when one
 * throws, record every problem of that definition and hand back the user's function, so the
 * module goes on to its next task. Everything else is the library's own export (one copy of
 * taskres: `export *` from the same `taskres` the CLI imports). The library itself is not
 * changed and has no switch: only the modules the CLI compiles for `check` see these.
 */
import * as taskres from 'taskres';
import type { TaskResourcesInput, TaskSpec, TaskWrapper, TaskresError } from 'taskres';

export * from 'taskres';

/** One task definition the module made, in the order it made them. */
export interface CheckedDefinition {
  /** The task's name; `undefined` for a `customTask(...)` call that failed and was never applied. */
  name: string | undefined;
  /** Empty when the task was defined. */
  problems: TaskresError[];
}

const definitions: CheckedDefinition[] = [];

/** The definitions the module made since the last call, and forgets them. */
export function takeDefinitions(): CheckedDefinition[] {
  return definitions.splice(0);
}

type Fn = (...args: never[]) => unknown;

/**
 * Every problem of a definition that threw `error`. The library throws the first problem of a
 * full check; the same check is run again through the public `checkTaskSpec` on the same
 * input (the task's own signature, read by the library, and the resources as given, functions
 * included) to list all of them. The list is used only when its first problem is the very
 * problem the library threw (the same code, about the same resource), so what `check` prints is
 * never less than what an import reports.
 */
function allProblems(error: TaskresError, name: string, resources: Readonly<Record<string, unknown>>, fn: unknown, context: ClassMethodDecoratorContext | undefined): TaskresError[] {
  let params: readonly string[];
  try {
    // The signature as the library reads it: a wrapper with valid resources.
    params = (context ? taskres.customTask(1, 1)(fn as Fn, context) : taskres.customTask(1, 1)(fn as Fn)).params;
  } catch {
    return [error];
  }
  const problems = taskres.checkTaskSpec({ name, params: [...params], resources: { ...resources } });
  const first = problems[0];
  return first && first.code === error.code && first.resource === error.resource ? problems : [error];
}

function isTaskresError(error: unknown): error is TaskresError {
  return taskres.isTaskresError(error);
}

/** A wrapper that records its definitions; `failed` is the error the wrapper's own making threw. */
function collecting(real: TaskWrapper | undefined, resources: Readonly<Record<string, unknown>>, failed?: TaskresError): TaskWrapper {
  const pending: CheckedDefinition | undefined = failed ? { name: undefined, problems: [failed] } : undefined;
  if (pending) definitions.push(pending);
  const wrapper = (fn: Fn, context?: ClassMethodDecoratorContext): unknown => {
    const name = taskres.taskNameOf(fn, context);
    if (!real) {
      // customTask(...) itself threw: the problem is already recorded; now it has a task name.
      if (pending && pending.name === undefined) pending.name = name;
      else definitions.push({ name, problems: [failed!] });
      return fn;
    }
    try {
      const task = (context ? real(fn as never, context) : real(fn as never)) as taskres.Task;
      definitions.push({ name: task.taskName, problems: [] });
      return task;
    } catch (error) {
      if (!isTaskresError(error)) throw error;
      definitions.push({ name, problems: allProblems(error, name, resources, fn, context) });
      // The user's function, unchanged: the module goes on (a method decorator keeps the method).
      return fn;
    }
  };
  return wrapper as unknown as TaskWrapper;
}

/** {@link taskres.customTask}, recording instead of throwing. */
export function customTask(cpu: number, memory: number): TaskWrapper;
export function customTask(resources: TaskResourcesInput): TaskWrapper;
export function customTask(...args: unknown[]): TaskWrapper {
  const [first, second] = args;
  const resources = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : { cpu: first, memory: second };
  try {
    return collecting((taskres.customTask as (...a: unknown[]) => TaskWrapper)(...args), resources);
  } catch (error) {
    if (!isTaskresError(error)) throw error;
    return collecting(undefined, resources, error);
  }
}

/** {@link taskres.defineTask}, recording instead of throwing. */
export function defineTask(spec: TaskSpec, options?: taskres.DefineTaskOptions): taskres.Task {
  try {
    const task = taskres.defineTask(spec, options);
    definitions.push({ name: task.taskName, problems: [] });
    return task;
  } catch (error) {
    if (!isTaskresError(error)) throw error;
    const name = typeof (spec as { name?: unknown } | null)?.name === 'string' ? spec.name : undefined;
    const problems = taskres.checkTaskSpec(spec, options);
    definitions.push({ name: name ?? '(unnamed)', problems: problems.length > 0 ? problems : [error] });
    // A stand-in the module can hold; it is not a task, so check does not list it as one.
    return Object.assign(() => undefined, { taskName: name }) as unknown as taskres.Task;
  }
}

export const smallTask: TaskWrapper = collecting(taskres.smallTask, taskres.PRESETS.smallTask);
export const mediumTask: TaskWrapper = collecting(taskres.mediumTask, taskres.PRESETS.mediumTask);
export const largeTask: TaskWrapper = collecting(taskres.largeTask, taskres.PRESETS.largeTask);
export const smallGpuTask: TaskWrapper = collecting(taskres.smallGpuTask, taskres.PRESETS.smallGpuTask);
export const largeGpuTask: TaskWrapper = collecting(taskres.largeGpuTask, taskres.PRESETS.largeGpuTask);
