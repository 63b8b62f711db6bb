/**
 * `$file` revival, once for the CLI and the service: task arguments arrive as JSON, and every
 * object with a `$file` key in them is a file, written `{ "$file": "path or URI" }` or
 * `{ "$file": "uri", "size": bytes }` with no other keys. The walk, its nesting limit and the
 * shape rules are here; what a file becomes is the caller's: the CLI makes relative paths
 * relative to the argument file, the service measures paths inside its `--files-root` (see
 * src/service/files-root.ts).
 *
 * Problems name the field (its path cut short and escaped) and never echo the value.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TaskFile } from 'taskres';
import { clipCounted, escapeControls, listKeys } from '../core/text.js';
import { UsageError } from './errors.js';
import { readJson } from './specs.js';

/**
 * How deep arguments may nest; deeper is refused before anything recurses further. Above the
 * resolver's own limit on purpose: arguments a few hundred levels deep are refused by the
 * resolver, with its code; this one only keeps the walk itself from exhausting the stack.
 */
export const MAX_ARGS_DEPTH = 1000;

/** The longest `$file` string: a path longer than PATH_MAX names no file. */
export const MAX_FILE_CHARS = 4096;

/** A file entry, its shape checked: the caller's text and, when given, its size. */
export interface FileEntry {
  uri: string;
  size?: number;
}

/**
 * Reports a problem: `at` the (shortened, escaped) path to the value, `problem` the rest of
 * the sentence. Must throw, so each caller throws its own kind of error.
 */
export type Fail = (at: string, problem: string) => never;

/**
 * What a file entry becomes: the value to put in its place now. `put` replaces that value
 * later (the service measures files after the walk).
 */
export type FileOf = (entry: FileEntry, at: string, put: (value: unknown) => void) => unknown;

/** The path to a value as shown in a message: cut to 120 characters and escaped. */
export function fieldName(at: string): string {
  return escapeControls(clipCounted(at.length > 120 ? `${at.slice(0, 120)}…` : at, 200));
}

/**
 * `json` with every `$file` object replaced by what `fileOf` makes of it. Keys become own data
 * properties (a `"__proto__"` key stays data).
 */
export function reviveFiles(json: unknown, fileOf: FileOf, fail: Fail): unknown {
  // Where the walk is: keys pushed and popped, written out only for a file or a problem.
  // Text built for every value would cost depth × values characters (a 1 MB body nested 1000
  // deep and wide at the bottom: gigabytes).
  const path: (string | number)[] = [];
  // `into[key]` is where the value goes: a file's `put` is made only for a file (a closure per
  // value cost the service a tenth of its time per item).
  const revive = (value: unknown, depth: number, into: Record<string | number, unknown>, key: string | number): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (depth > MAX_ARGS_DEPTH) fail(fieldName(pathText(path)), `nests values more than ${MAX_ARGS_DEPTH} levels deep; task arguments are plain data, not deep structures`);
    if (Array.isArray(value)) {
      const out: unknown[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        out[i] = revive(value[i], depth + 1, out as unknown as Record<number, unknown>, i);
        path.pop();
      }
      return out;
    }
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, '$file')) {
      const at = pathText(path);
      return fileOf(readFileEntry(record, at, fail), fieldName(at), (later) => defineData(into, key, later));
    }
    const out: Record<string, unknown> = {};
    for (const name in record) {
      if (!Object.hasOwn(record, name)) continue;
      path.push(name);
      defineData(out, name, revive(record[name], depth + 1, out, name));
      path.pop();
    }
    return out;
  };
  // A file at the top (args that are themselves a file entry) has nowhere to be put later.
  return revive(json, 0, {}, 'root');
}

/**
 * Sets `into[key]` as an own data property: plain assignment, except for `"__proto__"`,
 * which stays data (assigning it would set the object's prototype).
 */
function defineData(into: Record<string | number, unknown>, key: string | number, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(into, key, { value, writable: true, enumerable: true, configurable: true });
  else into[key] = value;
}

/** `args.files[2].$file` for a path of keys; past 160 characters the rest is left off (messages show 120). */
function pathText(path: readonly (string | number)[]): string {
  let text = 'args';
  for (const key of path) {
    if (text.length > 160) return `${text}…`;
    text += typeof key === 'number' ? `[${key}]` : `.${key.slice(0, 40)}`;
  }
  return text;
}

/** The `$file` entry of `record`, its shape checked. */
function readFileEntry(record: Record<string, unknown>, at: string, fail: Fail): FileEntry {
  const file = record.$file;
  const extra = Object.keys(record).filter((key) => key !== '$file' && key !== 'size');
  if (typeof file !== 'string' || file.length === 0 || file.length > MAX_FILE_CHARS) {
    const received = typeof file === 'string' ? (file.length === 0 ? 'an empty string' : `${file.length} characters`) : file === null ? 'null' : Array.isArray(file) ? 'an array' : typeof file;
    fail(fieldName(`${at}.$file`), `must be a non-empty path or URL string of at most ${MAX_FILE_CHARS} characters, received ${received}; write a file as { "$file": "reads.fq" }`);
  }
  if (extra.length > 0) {
    fail(fieldName(`${at}.$file`), `is a file, written { "$file": "path" } or { "$file": "uri", "size": bytes } with no other keys, received also ${escapeControls(listKeys(extra))}`);
  }
  const size = record.size;
  if (size !== undefined && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) {
    fail(fieldName(`${at}.size`), `must be the file's size in bytes (a whole number, at least 0), received ${typeof size === 'number' ? escapeControls(clipCounted(String(size), 40)) : size === null ? 'null' : typeof size}`);
  }
  return size === undefined ? { uri: file } : { uri: file, size: size as number };
}

/**
 * JSON args with every `{ "$file": path }` made a TaskFile (relative local paths relative to
 * `base`) and `{ "$file": uri, "size": bytes }` a TaskFile of known size (never looked up).
 */
export function reviveArgs(json: unknown, base: string, fail: Fail): unknown {
  return reviveFiles(
    json,
    ({ uri, size }) => {
      const options = size === undefined ? undefined : { size };
      // The library decides what is a local path (and what a URL); only relative local paths move.
      const given = new TaskFile(uri, options);
      return given.localPath !== undefined && !uri.startsWith('file:') && !isAbsolute(uri) ? new TaskFile(join(base, uri), options) : given;
    },
    fail,
  );
}

/**
 * Reads an argument file: a JSON object of the task's parameters, its `$file` entries revived
 * relative to the file. Problems are {@link UsageError}s naming the field and the file.
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
