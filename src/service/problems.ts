/**
 * Errors as RFC 9457 problem details (`application/problem+json`), each carrying a `TASKRES_*`
 * code. Library errors keep their code; the service adds a few of its own (the codes of
 * {@link SERVICE_CODES}) for what only an HTTP service can run into.
 */
import { isTaskresError, type TaskresErrorCode } from 'taskres';

/** Codes only the service uses: the situations of HTTP, not of resolving. */
export const SERVICE_CODES = {
  TASKRES_NOT_FOUND: 'no task of that name was loaded with --tasks, or no such route',
  TASKRES_TOO_LARGE: 'the request body or its item count is over the limit',
  TASKRES_OVERLOADED: 'too much work admitted already, or the answer took longer than the request timeout; retry after Retry-After',
  TASKRES_UNAUTHORIZED: 'the bearer token is missing or wrong',
  TASKRES_UNSUPPORTED_MEDIA_TYPE: 'the body is not application/json',
  TASKRES_INTERNAL: 'a bug in the service: the answer could not be computed',
} as const;

/** A code a problem can carry. */
export type ProblemCode = TaskresErrorCode | 'TASKRES_RETRY_EXHAUSTED' | keyof typeof SERVICE_CODES;

/** An RFC 9457 problem object as the service sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  taskName?: string;
  resource?: string;
  /** The request id (also in the logs). */
  instance: string;
}

/** Where the `type` URLs point: one anchor per code. */
export const ERRORS_DOC = 'https://github.com/taskres/taskres/blob/main/docs/errors.md';

const STATUS: Partial<Record<ProblemCode, number>> = {
  TASKRES_INVALID_SPEC: 400,
  TASKRES_SIGNATURE: 400,
  TASKRES_UNSERIALIZABLE: 400,
  TASKRES_INVALID_ARGS: 400,
  TASKRES_CWL_INVALID: 400,
  TASKRES_FUNCTION_THREW: 422,
  TASKRES_TIMEOUT: 422,
  TASKRES_MEMORY_LIMIT: 422,
  TASKRES_INVALID_VALUE: 422,
  TASKRES_FILE_SIZE: 422,
  TASKRES_RETRY_EXHAUSTED: 422,
  TASKRES_ABORTED: 429,
  TASKRES_CLOSED: 503,
  TASKRES_SANDBOX_UNAVAILABLE: 503,
  TASKRES_NOT_FOUND: 404,
  TASKRES_TOO_LARGE: 413,
  TASKRES_OVERLOADED: 429,
  TASKRES_UNAUTHORIZED: 401,
  TASKRES_UNSUPPORTED_MEDIA_TYPE: 415,
  TASKRES_INTERNAL: 500,
};

const TITLES: Partial<Record<ProblemCode, string>> = {
  TASKRES_INVALID_SPEC: 'Invalid task spec',
  TASKRES_SIGNATURE: 'Resource function names an unknown parameter',
  TASKRES_UNSERIALIZABLE: 'Resource function cannot run in the sandbox',
  TASKRES_INVALID_ARGS: 'Invalid request or arguments',
  TASKRES_CWL_INVALID: 'CWL document breaks the spec',
  TASKRES_FUNCTION_THREW: 'Resource function threw',
  TASKRES_TIMEOUT: 'Resource function timed out',
  TASKRES_MEMORY_LIMIT: 'Resource function exceeded its memory limit',
  TASKRES_INVALID_VALUE: 'Resource function returned an invalid value',
  TASKRES_FILE_SIZE: 'File size lookup failed',
  TASKRES_RETRY_EXHAUSTED: 'Retry is pointless',
  TASKRES_ABORTED: 'Not run',
  TASKRES_CLOSED: 'Service is shutting down',
  TASKRES_SANDBOX_UNAVAILABLE: 'Sandbox unavailable',
  TASKRES_NOT_FOUND: 'Not found',
  TASKRES_TOO_LARGE: 'Request too large',
  TASKRES_OVERLOADED: 'Service overloaded',
  TASKRES_UNAUTHORIZED: 'Unauthorized',
  TASKRES_UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  TASKRES_INTERNAL: 'Internal error',
};

/** The HTTP status of a code (500 for one this table does not know). */
export function statusOf(code: string): number {
  return STATUS[code as ProblemCode] ?? 500;
}

/** Statuses after which a client should come back later: they carry `Retry-After`. */
export function isRetryable(status: number): boolean {
  return status === 429 || status === 503;
}

/** Longest `detail` (and check message) the service sends; longer text is cut with an ellipsis. */
export const MAX_DETAIL_CHARS = 1000;
/** Longest task name (or other caller-chosen name) the service repeats. */
export const MAX_NAME_CHARS = 200;

/**
 * `text` cut to `max` characters. Everything the service repeats of what a caller sent goes
 * through here (in {@link problem} and in check results): a library message may quote a task
 * name or a value in full, and an answer must not be an amplified copy of the request.
 */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A problem object for `code`. */
export function problem(code: ProblemCode, detail: string, instance: string, context: { taskName?: string; resource?: string } = {}): Problem {
  return {
    type: `${ERRORS_DOC}#${code.toLowerCase()}`,
    title: TITLES[code] ?? 'Error',
    status: statusOf(code),
    detail: clip(detail, MAX_DETAIL_CHARS),
    code,
    ...(context.taskName === undefined ? {} : { taskName: clip(context.taskName, MAX_NAME_CHARS) }),
    ...(context.resource === undefined ? {} : { resource: clip(context.resource, MAX_NAME_CHARS) }),
    instance,
  };
}

/** The problem for anything a resolution rejected with; a non-taskres error is a bug (500) and says nothing of itself. */
export function problemFromError(error: unknown, instance: string): Problem {
  if (isTaskresError(error)) return problem(error.code as ProblemCode, error.message, instance, { taskName: error.taskName, resource: error.resource });
  return problem('TASKRES_INTERNAL', 'The service failed to compute this answer; the logs have the cause under this request id.', instance);
}
