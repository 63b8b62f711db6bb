/**
 * The single error family of taskres, and its one registry of codes. Every error the library
 * throws or rejects with is a {@link TaskresError} whose `code` is one of {@link ERROR_CODES};
 * the service adds the codes of HTTP itself. Each code has one entry in {@link ERRORS}: what it
 * means, the HTTP status and title the service answers it with, and its section of
 * docs/errors.md. Nothing else restates them (test/errors-doc.test.ts keeps the doc in step),
 * and code that must tell errors apart reads their `code`, never their message.
 */

/** What the registry knows of one code. */
export interface ErrorEntry {
  /** The situation the code describes, in a line. */
  readonly summary: string;
  /** The HTTP status the service answers it with. */
  readonly status: number;
  /** The problem title the service answers it with. */
  readonly title: string;
}

/** The codes the library throws, with their entries (the public {@link ERROR_CODES} derives from it). */
const LIBRARY_ERRORS = {
  TASKRES_INVALID_SPEC: { summary: 'bad static value or unknown option in a task definition or resolver options', status: 400, title: 'Invalid task spec' },
  TASKRES_SIGNATURE: { summary: 'a resource function names a parameter the task does not have', status: 400, title: 'Resource function names an unknown parameter' },
  TASKRES_UNSERIALIZABLE: {
    summary: 'a resource function cannot run in the sandbox (syntax, native, free variables)',
    status: 400,
    title: 'Resource function cannot run in the sandbox',
  },
  TASKRES_INVALID_ARGS: { summary: 'args missing/unknown parameters or holding non-data values', status: 400, title: 'Invalid request or arguments' },
  TASKRES_FUNCTION_THREW: { summary: 'the resource function threw', status: 422, title: 'Resource function threw' },
  TASKRES_TIMEOUT: { summary: 'the resource function ran past timeoutMs', status: 422, title: 'Resource function timed out' },
  TASKRES_MEMORY_LIMIT: { summary: 'the resource function exceeded memoryLimitMiB', status: 422, title: 'Resource function exceeded its memory limit' },
  TASKRES_INVALID_VALUE: {
    summary: 'the resource function returned something other than a safe integer within limits',
    status: 422,
    title: 'Resource function returned an invalid value',
  },
  TASKRES_FILE_SIZE: { summary: 'the fileSize provider failed for a file', status: 422, title: 'File size lookup failed' },
  TASKRES_CLOSED: { summary: 'the resolver was closed', status: 503, title: 'Service is shutting down' },
  TASKRES_UNSCHEDULABLE: { summary: 'no node can ever hold the request', status: 422, title: 'Unschedulable' },
  TASKRES_ABORTED: { summary: 'a wait was cancelled through its signal', status: 429, title: 'Not run' },
  TASKRES_SANDBOX_UNAVAILABLE: {
    summary:
      'the sandbox cannot run at all (isolated-vm missing or built for another Node, the sandbox process cannot start or keeps dying at start); never blamed on a function',
    status: 503,
    title: 'Sandbox unavailable',
  },
  TASKRES_RETRY_EXHAUSTED: {
    summary: 'a retry is pointless: past maxAttempts, or the resource to escalate is at its cap',
    status: 422,
    title: 'Retry is pointless',
  },
  TASKRES_CWL_INVALID: {
    summary: "a CWL document's resource fields break the spec (type for its version, negative, min > max, JavaScript without InlineJavascriptRequirement)",
    status: 400,
    title: 'CWL document breaks the spec',
  },
} as const satisfies Record<`TASKRES_${string}`, ErrorEntry>;

/** The codes only the service uses: the situations of HTTP, not of resolving. */
const SERVICE_ERRORS = {
  TASKRES_NOT_FOUND: { summary: 'no task of that name was loaded with --tasks, or no such route', status: 404, title: 'Not found' },
  TASKRES_TOO_LARGE: { summary: 'the request body or its item count is over the limit', status: 413, title: 'Request too large' },
  TASKRES_OVERLOADED: {
    summary: 'too much work admitted already, or the answer took longer than the request timeout; retry after Retry-After',
    status: 429,
    title: 'Service overloaded',
  },
  TASKRES_UNAUTHORIZED: { summary: 'the bearer token is missing or wrong', status: 401, title: 'Unauthorized' },
  TASKRES_UNSUPPORTED_MEDIA_TYPE: { summary: 'the body is not application/json', status: 415, title: 'Unsupported media type' },
  TASKRES_INTERNAL: { summary: 'a bug in the service: the answer could not be computed', status: 500, title: 'Internal error' },
} as const satisfies Record<`TASKRES_${string}`, ErrorEntry>;

/** One of the error codes of {@link ERROR_CODES}: what the library throws. */
export type TaskresErrorCode = keyof typeof LIBRARY_ERRORS;

/** A code only the service answers with. */
export type ServiceErrorCode = keyof typeof SERVICE_ERRORS;

/** Every code: the library's and the service's. */
export type ErrorCode = TaskresErrorCode | ServiceErrorCode;

/**
 * The one registry: every code with its summary, HTTP status and title. Typed as a full record
 * of {@link ErrorCode}, so a code added without a status or a title does not compile.
 */
export const ERRORS: { readonly [C in ErrorCode]: ErrorEntry } = { ...LIBRARY_ERRORS, ...SERVICE_ERRORS };

/** True for a code the service alone uses. */
export function isServiceCode(code: ErrorCode): code is ServiceErrorCode {
  return Object.hasOwn(SERVICE_ERRORS, code);
}

/** Every error code taskres uses, with the situation it describes. */
export const ERROR_CODES = Object.fromEntries(Object.entries(LIBRARY_ERRORS).map(([code, entry]) => [code, entry.summary])) as {
  readonly [C in TaskresErrorCode]: (typeof LIBRARY_ERRORS)[C]['summary'];
};

/** Where each code is explained: the page of the `type` URLs of problem objects. */
export const ERRORS_DOC = 'https://github.com/taskres/taskres/blob/main/docs/errors.md';

/** The link to a code's section of docs/errors.md (its heading's anchor). */
export function errorDocUrl(code: ErrorCode): string {
  return `${ERRORS_DOC}#${code.toLowerCase()}`;
}

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
