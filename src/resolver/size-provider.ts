/**
 * The bridge from the sandbox's `size()` to the user's `fileSize`/`fileSizes` provider, which
 * runs here, in the user's process. The provider is the user's code but its answers are
 * untrusted data: whatever it throws or returns (objects without prototypes, getters that
 * throw, Proxies, thenables) becomes one typed failure for the evaluation that asked, and
 * nothing it does may reject unhandled or throw into the supervisor's event handlers.
 */
import { TaskFile } from '../definition/task-file.js';
import type { ResolvedOptions } from './options.js';

/** What the sandbox is told: one size per path, or why there are none. */
export type SizeAnswer = { sizes: number[] } | { error: string };

/** Asks the user's provider for the sizes of `paths`; never throws or rejects. */
export async function lookUpSizes(options: Pick<ResolvedOptions, 'fileSize' | 'fileSizes'>, paths: readonly string[]): Promise<SizeAnswer> {
  try {
    return await ask(options, paths);
  } catch {
    return { error: 'the size provider failed' };
  }
}

async function ask(options: Pick<ResolvedOptions, 'fileSize' | 'fileSizes'>, paths: readonly string[]): Promise<SizeAnswer> {
  const form = options.fileSizes ? 'fileSizes' : 'fileSize';
  let returned: unknown;
  try {
    const files = paths.map((path) => new TaskFile(path));
    returned = options.fileSizes ? await options.fileSizes(files) : await Promise.all(files.map((file) => options.fileSize!(file)));
  } catch (thrown) {
    return { error: `the ${form} provider failed: ${describeThrown(thrown)}` };
  }
  try {
    if (!Array.isArray(returned)) return { error: `the fileSizes provider must return an array of ${paths.length} sizes, received ${typeof returned}` };
    const length: unknown = returned.length;
    if (length !== paths.length) return { error: `the fileSizes provider must return ${paths.length} sizes, one per file, received ${String(Number(length))}` };
    const sizes: number[] = [];
    for (let i = 0; i < paths.length; i++) {
      const size: unknown = returned[i];
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        return { error: `the ${form} provider returned ${typeof size === 'number' ? String(size).slice(0, 40) : `a ${typeof size}`} for ${paths[i]!.slice(0, 100)}; expected a whole number of bytes >= 0` };
      }
      sizes.push(size === 0 ? 0 : size);
    }
    return { sizes };
  } catch {
    return { error: `the ${form} provider returned a value that could not be read` };
  }
}

/** A short description of what a provider threw; reading it may itself throw. */
function describeThrown(thrown: unknown): string {
  try {
    if (typeof thrown === 'object' && thrown !== null) {
      const message: unknown = (thrown as { message?: unknown }).message;
      if (typeof message === 'string') return message.slice(0, 200);
      return 'it threw an object without a message';
    }
    return typeof thrown === 'string' ? thrown.slice(0, 200) : `it threw ${typeof thrown === 'symbol' ? 'a symbol' : String(thrown).slice(0, 40)}`;
  } catch {
    return 'it threw a value that could not be read';
  }
}
