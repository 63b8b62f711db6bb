/**
 * The single error family of taskres. Every error the library throws or rejects with is a
 * {@link TaskresError} whose `code` is one of {@link ERROR_CODES}.
 */

/** Every error code taskres uses, with the situation it describes. */
export const ERROR_CODES = {
  TASKRES_INVALID_SPEC: 'bad static value or unknown option in a task definition or resolver options',
  TASKRES_SIGNATURE: 'a resource function names a parameter the task does not have',
  TASKRES_UNSERIALIZABLE: 'a resource function cannot run in the sandbox (syntax, native, free variables)',
  TASKRES_INVALID_ARGS: 'args missing/unknown parameters or holding non-data values',
  TASKRES_FUNCTION_THREW: 'the resource function threw',
  TASKRES_TIMEOUT: 'the resource function ran past timeoutMs',
  TASKRES_MEMORY_LIMIT: 'the resource function exceeded memoryLimitMiB',
  TASKRES_INVALID_VALUE: 'the resource function returned something other than a safe integer within limits',
  TASKRES_FILE_SIZE: 'the fileSize provider failed for a file',
  TASKRES_CLOSED: 'the resolver was closed',
  TASKRES_UNSCHEDULABLE: 'no node can ever hold the request',
  TASKRES_ABORTED: 'a wait was cancelled through its signal',
  TASKRES_SANDBOX_UNAVAILABLE:
    'the sandbox cannot run at all (isolated-vm missing or built for another Node, the sandbox process cannot start or keeps dying at start); never blamed on a function',
  TASKRES_RETRY_EXHAUSTED: 'a retry is pointless: past maxAttempts, or the resource to escalate is at its cap',
  TASKRES_CWL_INVALID:
    "a CWL document's resource fields break the spec (type for its version, negative, min > max, JavaScript without InlineJavascriptRequirement)",
} as const;

/** One of the error codes of {@link ERROR_CODES}. */
export type TaskresErrorCode = keyof typeof ERROR_CODES;

/** The resources a task requests. */
export type ResourceName = 'cpu' | 'memory' | 'storage' | 'gpu';

/** Where an error applies, when it applies to a task or one of its resources. */
export interface TaskresErrorContext {
  /** The task the error is about. */
  taskName?: string;
  /** The resource (`cpu`, `memory`, `storage`, `gpu`) the error is about. */
  resource?: ResourceName;
  /** The error that caused this one, if any. */
  cause?: unknown;
}

// A brand shared by every copy of this module (ESM and CJS builds, other realms), so that
// `instanceof` and `isTaskresError` hold even when two copies of taskres are loaded.
const BRAND = Symbol.for('taskres.TaskresError');

/** The longest piece of untrusted text an error message may quote. */
export const MAX_QUOTED_CHARS = 200;

/**
 * The error taskres throws or rejects with. `code` says what happened; `taskName` and
 * `resource` say where, when they apply.
 */
export class TaskresError extends Error {
  /** What happened: one of {@link ERROR_CODES}. */
  readonly code: TaskresErrorCode;
  /** The task the error is about, when it applies. */
  readonly taskName?: string;
  /** The resource the error is about, when it applies. */
  readonly resource?: ResourceName;

  constructor(code: TaskresErrorCode, message: string, context: TaskresErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    if (context.taskName !== undefined) this.taskName = context.taskName;
    if (context.resource !== undefined) this.resource = context.resource;
    Object.defineProperty(this, BRAND, { value: true });
  }

  override get name(): string {
    return 'TaskresError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isTaskresError(value);
  }
}

/** True when `value` is a {@link TaskresError}, from this copy of taskres or any other. */
export function isTaskresError(value: unknown): value is TaskresError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** True when `value` is a {@link TaskresError} with the given code. */
export function hasErrorCode(value: unknown, code: TaskresErrorCode): value is TaskresError {
  return isTaskresError(value) && value.code === code;
}

/**
 * Quotes untrusted text for an error message: at most {@link MAX_QUOTED_CHARS} characters,
 * control characters escaped, and the original length said when it was cut.
 */
export function quote(text: string, maxChars = MAX_QUOTED_CHARS): string {
  const cut = text.length > maxChars ? text.slice(0, maxChars) : text;
  const escaped = JSON.stringify(cut);
  return text.length > maxChars ? `${escaped}… (${text.length} chars)` : escaped;
}

/** Describes any value briefly for an error message, without running code of the value. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `the string ${quote(value, 40)}`;
    case 'number':
      return String(value);
    case 'bigint':
      return `the bigint ${String(value).slice(0, 40)}n`;
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return `the boolean ${value}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      return Array.isArray(value) ? 'an array' : 'an object';
  }
}
