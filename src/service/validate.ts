/** Request validation with the zod schemas of ./schemas.ts; failures become 400 problems. */
import type { z } from 'zod';
import { formatIssues, listKeys } from '../core/text.js';
import { problem, type Problem, type ProblemCode } from './problems.js';

/** An error that is already a problem: the error handler sends it as it is. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

/** Parses `body` with `schema`, or throws a 400 ProblemError listing the first few issues. */
export function validate<S extends z.ZodType>(schema: S, body: unknown, instance: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const text = formatIssues(issues, {
    root: 'body',
    prefix: ['body'],
    brackets: true,
    maxIssues: 5,
    maxMessageChars: 200,
    describe: (issue, at) => (issue.code === 'unrecognized_keys' ? `${at}: unknown field${issue.keys.length > 1 ? 's' : ''} ${listKeys(issue.keys)}` : undefined),
  });
  // A bad inline spec is a spec problem; everything else is a problem with the request's shape.
  const code: ProblemCode = issues.every((issue) => isSpecPath(issue.path, body)) ? 'TASKRES_INVALID_SPEC' : 'TASKRES_INVALID_ARGS';
  throw new ProblemError(problem(code, `The request body does not match the API (see /v1/openapi.json): ${text}.`, instance));
}

function isSpecPath(path: PropertyKey[], body: unknown): boolean {
  if (path[0] === 'spec') return true;
  const item = path[0] === 'items' ? (body as { items?: unknown[] })?.items?.[path[1] as number] : body;
  const at = path[0] === 'items' ? path.slice(2) : path;
  // An inline spec (an object where a task belongs) that does not have the spec's shape.
  return at[0] === 'task' && typeof (item as { task?: unknown })?.task === 'object';
}

/** Throws a 413 ProblemError when a batch holds more items than this server takes (`--max-items`). */
export function checkItemCount(count: number, maxItems: number, instance: string): void {
  if (count <= maxItems) return;
  throw new ProblemError(problem('TASKRES_TOO_LARGE', `body.items holds ${count} items; this server takes at most ${maxItems} per request (--max-items). Split the batch.`, instance));
}
