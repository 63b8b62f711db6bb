/** Request validation with the zod schemas of ./schemas.ts; failures become 400 problems. */
import type { z } from 'zod';
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
  const where = (path: PropertyKey[]) => (path.length === 0 ? 'body' : `body.${path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p).slice(0, 40))).join('.').replace(/\.\[/g, '[')}`);
  const text = issues.slice(0, 5).map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${where(issue.path)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.slice(0, 5).map((k) => `'${k.slice(0, 40)}'`).join(', ')}`;
    return `${where(issue.path)}: ${issue.message.slice(0, 200)}`;
  });
  // A bad inline spec is a spec problem; everything else is a problem with the request's shape.
  const code: ProblemCode = issues.every((issue) => isSpecPath(issue.path, body)) ? 'TASKRES_INVALID_SPEC' : 'TASKRES_INVALID_ARGS';
  throw new ProblemError(problem(code, `The request body does not match the API (see /v1/openapi.json): ${text.join('; ')}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}.`, instance));
}

function isSpecPath(path: PropertyKey[], body: unknown): boolean {
  if (path[0] === 'spec') return true;
  const item = path[0] === 'items' ? (body as { items?: unknown[] })?.items?.[path[1] as number] : body;
  const at = path[0] === 'items' ? path.slice(2) : path;
  // An inline spec (an object where a task belongs) that does not have the spec's shape.
  return at[0] === 'task' && typeof (item as { task?: unknown })?.task === 'object';
}
