/**
 * Errors as RFC 9457 problem details (`application/problem+json`), each carrying a `TASKRES_*`
 * code. Library errors keep their code; the service adds a few of its own for what only an HTTP
 * service can run into. Status, title and `type` link all come from the one registry,
 * `ERRORS` in src/core/errors.ts.
 */
import { isTaskresError } from 'taskres';
import { ERRORS, errorDocUrl, type ErrorCode } from '../core/errors.js';
import { clip } from '../core/text.js';

export { ERRORS_DOC } from '../core/errors.js';

/** A code a problem can carry: any code of the registry. */
export type ProblemCode = ErrorCode;

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

/** The HTTP status of a code, from the registry. */
export function statusOf(code: ProblemCode): number {
  return ERRORS[code].status;
}

/** Statuses after which a client should come back later: they carry `Retry-After`. */
export function isRetryable(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * Longest `detail` (and check message) the service sends; longer text is cut with an ellipsis
 * (core/text.ts's `clip`). Everything the service repeats of what a caller sent is cut so (in
 * {@link problem} and in check results): a library message may quote a task name or a value in
 * full, and an answer must not be an amplified copy of the request.
 */
export const MAX_DETAIL_CHARS = 1000;
/** Longest task name (or other caller-chosen name) the service repeats. */
export const MAX_NAME_CHARS = 200;

/** A problem object for `code`. */
export function problem(code: ProblemCode, detail: string, instance: string, context: { taskName?: string; resource?: string } = {}): Problem {
  return {
    type: errorDocUrl(code),
    title: ERRORS[code].title,
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
  if (isTaskresError(error) && Object.hasOwn(ERRORS, error.code)) return problem(error.code, error.message, instance, { taskName: error.taskName, resource: error.resource });
  return problem('TASKRES_INTERNAL', 'The service failed to compute this answer; the logs have the cause under this request id.', instance);
}
