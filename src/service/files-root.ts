/**
 * Turns the JSON `args` of a request into task arguments: `{ "$file": uri, "size": bytes }`
 * becomes a TaskFile with a known size (nothing is ever looked up), and a `$file` without a
 * size is accepted only as a path inside the server's `--files-root`.
 *
 * A remote caller must never learn whether or how big a file outside the root is: every
 * refused path gets the same message, which does not echo the path, and the decision is made
 * from the path and the root's own real path before anything could stat the target.
 */
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskFile, TaskresError } from 'taskres';

/** Deeper arguments are refused here (the resolver refuses past 200 levels anyway). */
const MAX_DEPTH = 256;

/** Reads request arguments; see the module comment. */
export class RequestFiles {
  private readonly givenRoot: string | undefined;
  private readonly realRoot: string | undefined;

  /** @param root the `--files-root` directory, or undefined for none (then every file needs a size). */
  constructor(root: string | undefined) {
    if (root === undefined) return;
    let real: string;
    try {
      real = realpathSync.native(root);
    } catch (error) {
      throw new TaskresError('TASKRES_INVALID_SPEC', `--files-root ${root} cannot be used: ${(error as NodeJS.ErrnoException).code ?? 'error'}; give an existing directory.`);
    }
    if (!statSync(real).isDirectory()) throw new TaskresError('TASKRES_INVALID_SPEC', `--files-root ${root} is not a directory.`);
    this.givenRoot = resolve(root);
    this.realRoot = real;
  }

  /** The task arguments of `args` (a JSON object); throws TASKRES_INVALID_ARGS naming the field. */
  revive(args: Record<string, unknown>): Record<string, unknown> {
    return this.walk(args, 'args', 0) as Record<string, unknown>;
  }

  private walk(value: unknown, at: string, depth: number): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (depth > MAX_DEPTH) throw invalid(`${at} nests values more than ${MAX_DEPTH} levels deep; task arguments are plain data`);
    if (Array.isArray(value)) return value.map((item, i) => this.walk(item, `${at}[${i}]`, depth + 1));
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, '$file')) return this.file(record, at);
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, this.walk(item, `${at}.${key.slice(0, 40)}`, depth + 1)]));
  }

  private file(record: Record<string, unknown>, at: string): TaskFile {
    const uri = record.$file;
    const extra = Object.keys(record).filter((key) => key !== '$file' && key !== 'size');
    if (typeof uri !== 'string' || uri.length === 0 || uri.length > 4096) {
      throw invalid(`${at}.$file must be a non-empty path or URI string of at most 4096 characters; write a file as { "$file": "s3://bucket/reads.fq", "size": 1234 }`);
    }
    if (extra.length > 0) throw invalid(`${at}: a file is written { "$file": uri, "size": bytes } with no other keys, received also ${extra.slice(0, 5).map((key) => `'${key.slice(0, 40)}'`).join(', ')}`);
    const size = record.size;
    if (size !== undefined) {
      if (!(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) throw invalid(`${at}.size must be the file's size in bytes (a whole number, at least 0)`);
      return new TaskFile(uri, { size });
    }
    if (this.realRoot === undefined) {
      throw invalid(`${at} has no "size", and this server reads no files (it was started without --files-root); give the size: { "$file": uri, "size": bytes }`);
    }
    const inside = this.insideRoot(uri);
    if (inside === undefined) {
      throw invalid(`${at}.$file must be a relative path inside the server's files root (no "..", no symlink leading out of it), or the file must carry its size: { "$file": uri, "size": bytes }`);
    }
    return new TaskFile(inside);
  }

  /** The real path of `uri` when it lies inside the root; undefined otherwise (for any reason). */
  private insideRoot(uri: string): string | undefined {
    let path = uri;
    if (uri.startsWith('file:')) {
      try {
        path = fileURLToPath(uri);
      } catch {
        return undefined;
      }
    } else if (/^[a-z][a-z0-9+.-]+:/i.test(uri)) return undefined;
    if (path.includes('\0') || path.split(/[\\/]/).includes('..')) return undefined;
    const root = this.realRoot!;
    let candidate: string;
    if (isAbsolute(path)) {
      // An absolute path may name the root as given or as resolved (when the root is a symlink).
      const fromGiven = relative(this.givenRoot!, resolve(path));
      const fromReal = relative(root, resolve(path));
      const rest = [fromReal, fromGiven].find((r) => r === '' || (!r.startsWith('..') && !isAbsolute(r)));
      if (rest === undefined) return undefined;
      candidate = join(root, rest);
    } else candidate = resolve(root, path);
    const real = realPathOfDeepest(candidate);
    if (real === undefined) return undefined;
    return real === root || real.startsWith(root + sep) ? real : undefined;
  }
}

/**
 * The real path of `path`: of its deepest existing ancestor, with the missing rest appended
 * (names that do not exist cannot be symlinks); undefined for a name that exists but does not
 * resolve (a dangling symlink could point anywhere). A missing file inside the root is let through:
 * its size() then fails with TASKRES_FILE_SIZE, which tells nothing about anything outside.
 */
function realPathOfDeepest(path: string): string | undefined {
  let existing = path;
  const missing: string[] = [];
  for (;;) {
    try {
      return join(realpathSync.native(existing), ...missing.reverse());
    } catch {
      // It exists but does not resolve: a dangling or looping symlink, whose target is unknown.
      if (lstatOrUndefined(existing)) return undefined;
      const parent = dirname(existing);
      if (parent === existing) return path;
      missing.push(existing.slice(parent.length).replace(/^[\\/]/, ''));
      existing = parent;
    }
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function invalid(message: string): TaskresError {
  return new TaskresError('TASKRES_INVALID_ARGS', `${message}.`);
}
