/**
 * Hints for the two first mistakes with files, worded for the channel the error reaches
 * (code, a CLI args file, an HTTP body), because the fix is written differently in each:
 *
 * - a path string where a file belongs: the function calls `size()` on a string and V8 says
 *   `TypeError: f.size is not a function`, which does not say what to change;
 * - a file the default size provider cannot read (an `s3://` URI without a size).
 *
 * A hint is data computed from facts the host already holds, never read back out of a
 * message: which parameters held strings (recorded by encodeArgs while it walked them), which
 * names the function calls `.size()` on (recorded when the task was defined), the error's
 * class (the sandbox reports it first), and which files came without a size. The work is
 * bounded by those small lists, loops only, and nothing here can throw: it runs while a job
 * settles, where an exception would leave its batch half-settled.
 */
import { TaskresError } from '../core/errors.js';
import { localPathOf } from '../definition/task-file.js';
import type { DynamicResource } from '../definition/task.js';
import type { EncodedArgs } from './encode-args.js';
import { FILE_STRIDE } from '../protocol/batch-codec.js';
import type { HintChannel } from './options.js';

/** How many parameter names a hint lists. */
const MAX_NAMED = 3;

/**
 * The hint for an evaluation of `dynamic` that threw `detail` (`TASKRES_FUNCTION_THREW`), as
 * a sentence to append, or '' when the facts do not point to path strings: the function calls
 * `.size()`, threw a TypeError, and a parameter it receives held strings.
 */
export function pathStringHint(dynamic: DynamicResource, detail: string, args: EncodedArgs, channel: HintChannel): string {
  try {
    const roots = dynamic.sizeCallRoots;
    const stringParams = args.stringParams;
    if (roots === undefined || stringParams === undefined || !detail.startsWith('TypeError')) return '';
    // A set only for many parameters: the work stays linear in the parameters whatever their number.
    const received = dynamic.paramsToCopy.length > 16 ? new Set(dynamic.paramsToCopy) : undefined;
    const holding: string[] = [];
    const named: string[] = [];
    for (let i = 0; i < stringParams.length; i++) {
      const name = stringParams[i]!;
      if (!(received ? received.has(name) : dynamic.paramsToCopy.includes(name))) continue;
      holding.push(name);
      if (roots.includes(name)) named.push(name);
    }
    if (holding.length === 0) return '';
    // `file.size()` names its parameter; inside a callback (`files.map((f) => f.size())`) the
    // receiver is a local name, and every string-holding parameter it receives is named.
    const names = named.length > 0 ? named : holding;
    let list = '';
    for (let i = 0; i < names.length && i < MAX_NAMED; i++) list += `${i === 0 ? '' : ', '}'${names[i]!.slice(0, 40)}'`;
    return ` Hint: ${list} ${names.length > 1 ? 'hold' : 'holds'} strings; ${FILE_FIX[channel]} to give the function file objects with size().`;
  } catch {
    return '';
  }
}

/** How a file is written where each channel's args are written. */
const FILE_FIX: Readonly<Record<HintChannel, string>> = Object.freeze({
  library: 'pass new TaskFile(path)',
  cli: 'write each file as { "$file": "path" } in the args file (relative to it)',
  http: 'send each file as { "$file": "...", "size": bytes } (or { "$file": "path" } under the server\'s --files-root)',
});

/**
 * The hint for `TASKRES_FILE_SIZE` when the default provider was asked about a file it cannot
 * read (not a local path or `file:` URL) that came without a size, or '' when no such file
 * is among the job's files or the user gave a size provider (its failure is its own).
 */
export function missingSizeHint(args: EncodedArgs, channel: HintChannel, hasProvider: boolean): string {
  try {
    if (hasProvider) return '';
    const { files } = args;
    for (let k = 0; k < files.length; k += FILE_STRIDE) {
      if (files[k + 2] === undefined && localPathOf(files[k] as string) === undefined) return ` Hint: ${SIZE_FIX[channel]}.`;
    }
    return '';
  } catch {
    return '';
  }
}

/** How each channel gives the size of a file that is not on this machine. */
const SIZE_FIX: Readonly<Record<HintChannel, string>> = Object.freeze({
  library: 'give its size, new TaskFile(uri, { size: bytes }), or give createResolver a fileSize provider that reads such URIs',
  cli: 'give its size in the args file, { "$file": "s3://...", "size": bytes }: the CLI reads the sizes of local paths and file: URLs only',
  http: 'send its size, { "$file": "...", "size": bytes }: the server reads sizes only of paths under its --files-root',
});
