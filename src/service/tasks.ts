/**
 * The tasks a request can name: the ones loaded with `--tasks` (by task name or export name),
 * or a spec given inline. Inline specs are checked in a worker thread with a deadline (see
 * ./spec-checker.ts), then defined, and kept in a small cache keyed by the caller and their
 * JSON text, so a scheduler sending the same spec again does not pay for checking its
 * functions again. The key includes the caller: a cache shared by every caller would answer
 * faster for a spec another tenant sent, and so confirm a guess of it.
 */
import { TaskresError, defineTask, type Task, type TaskSpec } from 'taskres';
import { TaskIndex, type FoundTask } from '../loading/task-lookup.js';
import type { SpecChecker } from './spec-checker.js';
import { clip } from '../core/text.js';

/** Most characters of spec JSON the cache holds; the oldest entries go first. */
/** Names a problem detail lists at most, each cut to NAME_CHARS_IN_DETAIL; the rest are counted. */
const NAMES_IN_DETAIL = 5;
const NAME_CHARS_IN_DETAIL = 40;

/**
 * A few of `names` and how many more: a detail repeated for every item of a batch must not
 * grow with the number of tasks loaded (1,000 unknown-task items once got 16 times their size
 * back, each detail listing every loaded name).
 */
export function fewNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_IN_DETAIL).map((name) => clip(name, NAME_CHARS_IN_DETAIL));
  return `${shown.join(', ')}${names.length > NAMES_IN_DETAIL ? ` and ${names.length - NAMES_IN_DETAIL} more` : ''}`;
}

const CACHE_CHARS = 8 * 1024 * 1024;

/** Thrown for a task name that was not loaded: 404. */
export class UnknownTaskError extends Error {}

/** The loaded tasks and the inline-spec cache. */
export class TaskCatalog {
  private readonly byName: TaskIndex;
  private readonly cache = new Map<string, Task | TaskresError>();
  private cachedChars = 0;
  /** Inline-spec lookups answered from the cache (`hits`) or checked (`misses`), for metrics and tests. */
  readonly counts = { hits: 0, misses: 0 };

  constructor(
    readonly loaded: readonly FoundTask[],
    private readonly checker: SpecChecker,
  ) {
    // Task names win over export names, as in `taskres resolve --task`.
    this.byName = new TaskIndex(loaded);
  }

  /** The distinct loaded tasks. */
  tasks(): Task[] {
    return this.byName.tasks();
  }

  /** The task `caller` means; rejects with UnknownTaskError or the definition's TaskresError. */
  async get(ref: string | Record<string, unknown>, caller: string): Promise<Task> {
    if (typeof ref === 'string') return this.named(ref);
    let text: string;
    try {
      text = JSON.stringify(ref);
    } catch {
      // Only nesting deep enough to exhaust the stack makes a parsed JSON value unprintable.
      throw new TaskresError('TASKRES_INVALID_SPEC', 'The inline task spec nests values too deeply; a spec is a name, params and resources.');
    }
    const key = `${caller}\n${text}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.counts.hits++;
      // Refreshes its place: the cache drops the least recently used first.
      this.cache.delete(key);
      this.cache.set(key, hit);
      if (hit instanceof TaskresError) throw hit;
      return hit;
    }
    this.counts.misses++;
    let entry: Task | TaskresError;
    try {
      await this.checker.define(text);
      entry = defineTask(ref as unknown as TaskSpec);
    } catch (error) {
      if (!(error instanceof TaskresError)) throw error;
      entry = error;
    }
    this.remember(key, entry);
    if (entry instanceof TaskresError) throw entry;
    return entry;
  }

  /** The loaded task called `name`, at once (no promise: the hot path of the service); throws UnknownTaskError. */
  named(name: string): Task {
    const task = this.byName.get(name);
    if (!task) {
      const names = this.byName.names();
      throw new UnknownTaskError(
        `No task named ${JSON.stringify(clip(name, 100))} was loaded; ${names.length ? `loaded: ${fewNames(names)}` : 'the server was started without --tasks'}. Give the spec inline as "task": { name, params, resources } instead.`,
      );
    }
    return task;
  }

  private remember(key: string, entry: Task | TaskresError): void {
    if (key.length > CACHE_CHARS / 4) return;
    this.cache.set(key, entry);
    this.cachedChars += key.length;
    for (const [oldKey] of this.cache) {
      if (this.cachedChars <= CACHE_CHARS) break;
      this.cache.delete(oldKey);
      this.cachedChars -= oldKey.length;
    }
  }
}
