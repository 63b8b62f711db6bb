/**
 * A hint for a common first mistake: passing a path string where a `TaskFile` belongs. The
 * function then calls `size()` on a string and V8 says `TypeError: f.size is not a function`,
 * which does not say what to change. Only the host knows which parameters held strings, so the
 * hint is added here, on the failure path alone (nothing is read when a function succeeds).
 */
import { TaskresError } from '../core/errors.js';
import type { TaskDefinition } from '../definition/task.js';
import type { EncodedArgs } from './encode-args.js';

/** The message V8 gives for calling `size` on something that has no such method. */
const SIZE_NOT_A_FUNCTION = /threw: TypeError: ([A-Za-z_$][\w$]*)[\w$.[\]]*\.size is not a function/;

/** How many values of one parameter are looked at for a string; args can be large. */
const MAX_VISITED = 10_000;

/**
 * `error` with a hint appended when it is a `TASKRES_FUNCTION_THREW` about calling `size` and
 * a parameter that the function receives holds strings (a string, or strings inside it) where
 * files would be; `error` itself otherwise. `args` are the encoded args the sandbox got
 * (`[files, params]`, see encode-args.ts), in which a `TaskFile` is a marker object: strings in
 * it were strings in the caller's args.
 */
export function withPathStringHint(error: TaskresError, definition: TaskDefinition, args: EncodedArgs): TaskresError {
  if (error.code !== 'TASKRES_FUNCTION_THREW' || error.resource === undefined) return error;
  const match = SIZE_NOT_A_FUNCTION.exec(error.message);
  if (!match) return error;
  const dynamic = definition.dynamics.find((d) => d.resource === error.resource);
  if (!dynamic) return error;
  let params: Record<string, unknown>;
  try {
    params = JSON.parse(args.paramsJson) as Record<string, unknown>;
  } catch {
    return error;
  }
  const holdingStrings = dynamic.paramsToCopy.filter((name) => holdsStrings(params[name]));
  // The expression's root names the parameter when it is one (`file.size()`); inside a callback
  // (`files.map((f) => f.size())`) it is a local name, and every string-holding parameter is named.
  const named = holdingStrings.includes(match[1]!) ? [match[1]!] : holdingStrings;
  if (named.length === 0) return error;
  const list = named.slice(0, 3).map((name) => `'${name}'`).join(', ');
  const hint = `${list} ${named.length > 1 ? 'hold' : 'holds'} strings; pass new TaskFile(path) to give the function file objects with size()`;
  return new TaskresError(error.code, `${error.message} Hint: ${hint}.`, { ...(error.taskName === undefined ? {} : { taskName: error.taskName }), resource: error.resource });
}

/** True when `value` is a string or holds one (in arrays or objects), looking at a bounded number of values. */
function holdsStrings(value: unknown): boolean {
  const stack = [value];
  for (let visited = 0; stack.length > 0 && visited < MAX_VISITED; visited++) {
    const next = stack.pop();
    if (typeof next === 'string') return true;
    if (typeof next === 'object' && next !== null) {
      // A TaskFile arrives as {"$file": k}: a file, not a string.
      if (Object.hasOwn(next, '$file')) continue;
      stack.push(...Object.values(next));
    }
  }
  return false;
}
