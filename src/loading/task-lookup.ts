/**
 * Task lookup by name, written once for the CLI (`--task`, a requests line's `"task"`) and the
 * service (a request's `"task"`): a task is found by its task name first, then by the name it
 * was exported under; when several share a name, the first loaded wins.
 */
import type { Task } from 'taskres';
import { UsageError } from './errors.js';

/** A task found in a spec file or module, with the name it was found under. */
export interface FoundTask {
  /** The export name (a module) or the task name (a JSON spec). */
  name: string;
  task: Task;
}

/** The loaded tasks, looked up by name. */
export class TaskIndex {
  private readonly byName = new Map<string, Task>();

  constructor(readonly found: readonly FoundTask[]) {
    // Task names win over export names; within each, the first loaded wins.
    for (const { task } of found) if (!this.byName.has(task.taskName)) this.byName.set(task.taskName, task);
    for (const { name, task } of found) if (!this.byName.has(name)) this.byName.set(name, task);
  }

  /** The task called `name` (task name or export name), if any. */
  get(name: string): Task | undefined {
    return this.byName.get(name);
  }

  /** Every name a task can be called by. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The distinct loaded tasks, in load order. */
  tasks(): Task[] {
    return [...new Set(this.found.map((f) => f.task))];
  }

  /** The tasks as a list for messages: `name` or `taskName (export name)`. */
  describe(): string {
    return this.found.map((f) => (f.name === f.task.taskName ? f.name : `${f.task.taskName} (export ${f.name})`)).join(', ');
  }
}

/**
 * Picks the task named `name` from what `source` holds; the only task when `name` is not
 * given. A missing or ambiguous choice is a {@link UsageError} listing the tasks.
 */
export function pickTask(found: readonly FoundTask[], name: string | undefined, source: string): Task {
  const index = new TaskIndex(found);
  if (name === undefined) {
    if (found.length === 1) return found[0]!.task;
    throw new UsageError(`${source} holds ${found.length} tasks (${index.describe()}); choose one with --task NAME`);
  }
  const task = index.get(name);
  if (!task) throw new UsageError(`no task named '${name}' in ${source}; it holds: ${index.describe() || 'no tasks'}`);
  return task;
}
