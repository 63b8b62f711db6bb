import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskresError } from '../core/errors.js';
import { describeValue } from '../core/text.js';

// Set once the class is defined: true only for objects TaskFile's constructor made. A brand
// property (a registered symbol) could be copied onto any plain object.
let isConstructedTaskFile: (value: object) => boolean;

/**
 * A file parameter of a task: a local path, a `file:` URL or any other URL your `fileSize`
 * provider understands. Inside a resource function it becomes an object with `path`, `name`
 * and a synchronous `size()` (bytes) that the host answers lazily.
 */
export class TaskFile {
  /** The path or URL, as given. */
  readonly path: string;

  /**
   * The size in bytes, when the caller gave it: then `size()` in the sandbox returns it and no
   * provider is ever asked (useful for remote URIs whose size a scheduler already knows).
   */
  readonly size: number | undefined;

  /**
   * @param path a local path, a `file:` URL (string or `URL`), or another URL.
   * @param options `size`: the file's size in bytes, when already known (a whole number, at least 0).
   */
  constructor(path: string | URL, options?: TaskFileOptions) {
    const text = path instanceof URL ? path.href : path;
    if (typeof text !== 'string' || text.length === 0) {
      throw new TaskresError(
        'TASKRES_INVALID_ARGS',
        `TaskFile expects a non-empty path or URL string, received ${typeof text === 'string' ? 'an empty string' : typeof text}.`,
      );
    }
    this.path = text;
    this.size = knownSize(options);
  }

  #name: string | undefined;

  /** The last segment of the path, e.g. `reads.fq` for `/data/reads.fq`. */
  get name(): string {
    this.#name ??= basename(this.localPath ?? this.path.replace(/[?#].*$/, ''));
    return this.#name;
  }

  /** The local filesystem path, for plain paths and `file:` URLs; otherwise `undefined`. */
  get localPath(): string | undefined {
    return localPathOf(this.path);
  }

  /** The JSON form used in task specs and CLI argument files: `{ "$file": path }`, plus `size` when known. */
  toJSON(): { $file: string; size?: number } {
    return this.size === undefined ? { $file: this.path } : { $file: this.path, size: this.size };
  }

  /** `instanceof TaskFile` means the same as {@link isTaskFile}: made by the constructor. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isTaskFile(value);
  }

  static {
    isConstructedTaskFile = (value) => #name in value;
  }
}

/** Options of `new TaskFile(path, options)`. */
export interface TaskFileOptions {
  /** The file's size in bytes, when already known: a whole number, at least 0. */
  size?: number;
}

function knownSize(options: TaskFileOptions | undefined): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Object.keys(options).some((key) => key !== 'size')) {
    throw new TaskresError('TASKRES_INVALID_ARGS', 'TaskFile options must be an object { size?: bytes } with no other keys.');
  }
  const { size } = options;
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
    throw new TaskresError('TASKRES_INVALID_ARGS', `TaskFile size must be a whole number of bytes, at least 0, received ${describeValue(size)}.`);
  }
  return size;
}

/** True when `value` was made by `new TaskFile(...)` (of this copy of taskres). */
export function isTaskFile(value: unknown): value is TaskFile {
  return typeof value === 'object' && value !== null && isConstructedTaskFile(value);
}

/** The local path of a plain path or `file:` URL; `undefined` for other URL schemes. */
export function localPathOf(path: string): string | undefined {
  if (path.startsWith('file:')) {
    try {
      return fileURLToPath(path);
    } catch {
      return undefined;
    }
  }
  return hasUrlScheme(path) ? undefined : path;
}

/** True when `path` starts with a URL scheme (two or more letters: one could be a Windows drive). */
export function hasUrlScheme(path: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(path);
}
