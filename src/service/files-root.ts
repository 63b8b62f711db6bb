/**
 * Turns the JSON `args` of a request into task arguments: `{ "$file": uri, "size": bytes }`
 * becomes a TaskFile with a known size (nothing is ever looked up), and a `$file` without a
 * size is accepted only as a path inside the server's `--files-root`. The walk and the shape of
 * a file entry are the CLI's too (src/loading/file-args.ts); what is here is the root.
 *
 * A remote caller must never learn whether or how big a file outside the root is: every
 * refused path gets the same message, which does not echo the path, and the decision is made
 * from the path and the root's own real path before anything could stat the target.
 *
 * Files inside the root are measured here, when the request arrives, and reach the sandbox as
 * `TaskFile(the caller's own text, { size })`: no host path is ever shown to a resource
 * function or written into an error, and the size comes from an open descriptor whose real
 * path was checked to lie inside the root, so swapping a symlink after the check (TOCTOU)
 * measures nothing outside.
 */
import { constants, realpathSync, statSync, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskFile, TaskresError } from 'taskres';
import { reviveFiles, type FileEntry } from '../loading/file-args.js';

/** Files of one request measured at once (each holds a descriptor while measured). */
const LOOKUPS_AT_ONCE = 32;

/** A file inside the root waiting for its size; `put` sets its TaskFile where it belongs. */
interface PendingFile {
  uri: string;
  /** The path inside the root the caller named (symlinks resolved when it is measured). */
  candidate: string;
  at: string;
  put(file: TaskFile): void;
}

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

  /**
   * The task arguments of `args` (a JSON object), files inside the root measured: at once (no
   * promise: the service's hot path) when there is nothing to measure (files with sizes, or no
   * files), else a promise. A field of the wrong shape throws TASKRES_INVALID_ARGS naming it;
   * the promise rejects with TASKRES_INVALID_ARGS for a path leading out of the root, or
   * TASKRES_FILE_SIZE for a file inside it that cannot be measured.
   */
  revive(args: Record<string, unknown>): Record<string, unknown> | Promise<Record<string, unknown>> {
    const pending: PendingFile[] = [];
    const revived = reviveFiles(
      args,
      (entry, at, put) => this.file(entry, at, put, pending),
      (at, problem) => {
        throw invalid(`${at} ${problem}`);
      },
    ) as Record<string, unknown>;
    return pending.length === 0 ? revived : this.measure(revived, pending);
  }

  /** Measures the files of `revived` inside the root, putting each TaskFile in its place. */
  private async measure(revived: Record<string, unknown>, pending: PendingFile[]): Promise<Record<string, unknown>> {
    const sizes = new Map<string, Promise<number | undefined>>();
    const measure = async (file: PendingFile): Promise<number | undefined> => {
      const real = await realPathInside(file.candidate, this.realRoot!);
      if (real === undefined) return undefined;
      return (sizes.get(real) ?? sizes.set(real, sizeInside(real, this.realRoot!)).get(real))!;
    };
    for (let start = 0; start < pending.length; start += LOOKUPS_AT_ONCE) {
      const slice = pending.slice(start, start + LOOKUPS_AT_ONCE);
      const found = await Promise.all(slice.map(measure));
      slice.forEach((file, i) => {
        const size = found[i];
        if (size === undefined) throw outsideRoot(file.at);
        if (size < 0) throw new TaskresError('TASKRES_FILE_SIZE', `${file.at}: the size of this file inside the server's files root could not be read (it is missing, unreadable or not a regular file); send its size: { "$file": uri, "size": bytes }.`);
        file.put(new TaskFile(file.uri, { size }));
      });
    }
    return revived;
  }

  /** What one `$file` entry (its shape checked by the shared walk) becomes; see the module comment. */
  private file({ uri, size }: FileEntry, at: string, put: (value: unknown) => void, pending: PendingFile[]): TaskFile | undefined {
    if (size !== undefined) return new TaskFile(uri, { size });
    if (this.realRoot === undefined) {
      throw invalid(`${at} has no "size", and this server reads no files (it was started without --files-root); give the size: { "$file": uri, "size": bytes }`);
    }
    const inside = this.pathInsideRoot(uri);
    if (inside === undefined) throw outsideRoot(at);
    pending.push({ uri, candidate: inside, at, put });
    return undefined;
  }

  /**
   * The path `uri` names inside the root (before symlinks are resolved, which happens when its
   * size is read: {@link realPathInside}), or undefined when it names none: another scheme, a
   * ".." segment, an absolute path elsewhere. No file is looked at here.
   */
  private pathInsideRoot(uri: string): string | undefined {
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
    return candidate === root || candidate.startsWith(root + sep) ? candidate : undefined;
  }
}

/**
 * The real path of `candidate` (a path under `root` without ".." segments) when it stays
 * inside `root`; undefined when a symlink on the way leads out, dangles or loops (its target is
 * unknown). Walks down from the root one name at a time with asynchronous lstat, resolving only
 * the symlinks it meets, and stops at the first name that does not exist (names that do not
 * exist cannot be symlinks): a missing file inside the root is let through, and its size then
 * fails with TASKRES_FILE_SIZE, which tells nothing about anything outside. The cost is at most
 * one lstat per name of the path (4096 characters at most), never a walk per ancestor (240
 * deep missing paths cost 15-20 s of synchronous realpath and lstat calls that way).
 */
async function realPathInside(candidate: string, root: string): Promise<string | undefined> {
  const names = relative(root, candidate).split(sep).filter((name) => name.length > 0);
  let current = root;
  for (let i = 0; i < names.length; i++) {
    const next = join(current, names[i]!);
    let stats: Stats;
    try {
      stats = await lstat(next);
    } catch {
      // Missing (or not reachable): so is everything under it, and the path stays inside.
      return join(current, ...names.slice(i));
    }
    if (!stats.isSymbolicLink()) {
      current = next;
      continue;
    }
    let real: string;
    try {
      real = await realpath(next);
    } catch {
      return undefined;
    }
    if (!(real === root || real.startsWith(root + sep))) return undefined;
    current = real;
  }
  return current;
}

/**
 * The size of the regular file at `real`, measured through a descriptor whose real path (read
 * back from /proc, where there is one) must lie inside `root`: undefined when it does not (a
 * symlink swapped in after the check), -1 when it cannot be measured. O_NONBLOCK: opening a
 * FIFO must not wait for a writer.
 */
async function sizeInside(real: string, root: string): Promise<number | undefined> {
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return -1;
  }
  try {
    const where = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => realpath(real));
    if (!(where === root || where.startsWith(root + sep))) return undefined;
    const stats = await handle.stat();
    return stats.isFile() ? stats.size : -1;
  } catch {
    return -1;
  } finally {
    await handle.close().catch(() => {});
  }
}

function outsideRoot(at: string): TaskresError {
  return invalid(`${at}.$file must be a relative path inside the server's files root (no "..", no symlink leading out of it), or the file must carry its size: { "$file": uri, "size": bytes }`);
}

function invalid(message: string): TaskresError {
  return new TaskresError('TASKRES_INVALID_ARGS', `${message}.`);
}
