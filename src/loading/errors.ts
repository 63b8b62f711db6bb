/**
 * The two ways loading what a user named can fail besides a task definition's own
 * `TaskresError`: a mistake in how the command was called or in a file it was given (the CLI
 * exits 2), and a module that threw while loading for a reason of its own (the CLI exits 1).
 * The service turns both into problems of its start-up.
 */

import { isAbsolute, resolve as resolvePath } from 'node:path';

/** A mistake in how the CLI was called or in a file it was given (exit code 2). */
export class UsageError extends Error {}

/** A module spec that failed to load for a reason of its own (exit code 1). */
export class SpecError extends Error {}

const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of its path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * Why a file could not be read, in words (`no such file (ENOENT)`), with the absolute path
 * that was looked at when the name given was relative: the first thing to check is which
 * directory it was resolved against.
 */
export function whyUnreadable(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reason = code === undefined ? String(error) : READ_FAILURES[code] ? `${READ_FAILURES[code]} (${code})` : code;
  return isAbsolute(path) ? reason : `${reason}; looked for ${resolvePath(path)}`;
}
