/**
 * Retries on the host: the retry context a caller passes (validated here, once, with zod),
 * what resource functions that name it receive, and the declarative escalation rule of a
 * task's `retry` option, applied without a sandbox round trip.
 */
import { z } from 'zod';
import { TaskresError, type ResourceName } from '../core/errors.js';
import { describeValue, listKeys } from '../core/text.js';
import { FAILURE_REASONS, type FailureReason, type ResolvedResourceRetry } from '../definition/retry-policy.js';
import type { TaskDefinition } from '../definition/task.js';
import type { ResourceLimits, Resources } from '../core/units.js';

/** What happened to the previous attempt of a task. */
export interface PreviousAttempt {
  /** The resources it ran with (what `resolve` returned for it); fractions allowed. */
  resources: Resources;
  /** Why it failed. */
  reason: FailureReason;
  /** What it was measured to use, in the resources' units (GiB, cores...); fractions allowed. */
  peak?: Partial<Record<ResourceName, number>>;
}

/**
 * The third argument of `resolve` (and the `attempt`/`previous` of a `resolveMany` item):
 * which attempt this is and, after a failure, what happened last time. Resource functions
 * that name `attempt` or `previous` in a second parameter receive frozen copies.
 */
export interface RetryContext {
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  attempt: number;
  /** The previous attempt, when there was one. */
  previous?: PreviousAttempt;
}

const amount = z.number().refine(Number.isFinite, 'expected a finite number').refine((n) => n >= 0, 'expected a number at least 0');
const RESOURCES = z.strictObject({ cpu: amount, memory: amount, storage: amount, gpu: amount, gpuType: z.string().max(63).optional() });

/**
 * The zod schema of a {@link PreviousAttempt}: the one rule for what a caller may say about the
 * previous attempt. Exported so that an API in front of the resolver (`taskres serve`)
 * validates and documents it without restating it.
 */
export const PREVIOUS_ATTEMPT_SCHEMA = z.strictObject({
  resources: RESOURCES.describe('The resources the previous attempt ran with (what resolve returned for it); fractions allowed.'),
  reason: z.enum(FAILURE_REASONS as [FailureReason, ...FailureReason[]]).describe('Why it failed.'),
  peak: z
    .strictObject({ cpu: amount.optional(), memory: amount.optional(), storage: amount.optional(), gpu: amount.optional() })
    .optional()
    .describe("Measured use of the previous attempt, in the resources' units; fractions allowed."),
});

/** The zod schema of a {@link RetryContext} (the third argument of `resolve`). */
export const RETRY_CONTEXT_SCHEMA = z.strictObject({
  attempt: z.number().int('expected a whole number').min(1, 'expected a whole number at least 1').max(Number.MAX_SAFE_INTEGER),
  previous: PREVIOUS_ATTEMPT_SCHEMA.optional(),
});
const CONTEXT_SCHEMA = RETRY_CONTEXT_SCHEMA;

const EXPECTED =
  "expected { attempt: a whole number >= 1, previous?: { resources: { cpu, memory, storage, gpu }, reason: 'oom' | 'disk' | 'timeout' | 'preempted' | 'error', peak?: { memory?, ... } } }";

/** Validates a retry context; bad input is `TASKRES_INVALID_ARGS` naming the field. */
export function readRetryContext(value: unknown, taskName: string): RetryContext {
  const parsed = CONTEXT_SCHEMA.safeParse(value);
  if (parsed.success) return parsed.data as RetryContext;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map((key) => String(key).slice(0, 40)).join('.') || 'the retry context';
  // Built from bounded pieces only: zod's own text of an unknown-keys issue lists every key,
  // and a caller's object may have a million of them.
  const what = issue.code === 'unrecognized_keys' ? `unknown ${listKeys(issue.keys)}` : `${issue.message.slice(0, 200)}, received ${describeValue(valueAt(value, issue.path))}`;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length > 2 ? 's' : ''})` : '';
  throw new TaskresError('TASKRES_INVALID_ARGS', `Invalid retry context of task '${taskName}': ${field}: ${what}${more}; ${EXPECTED}.`, { taskName });
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) at = typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return at;
}

/**
 * The JSON the sandbox hands resource functions as their second argument: an array with one
 * entry per dynamic resource, `null` for functions that do not name the context, else an
 * object of exactly the keys they name. Without a context, `attempt` is 1.
 */
export function encodeRetryContext(definition: TaskDefinition, context: RetryContext | undefined): string {
  const values: Record<string, unknown> = { attempt: context?.attempt ?? 1, previous: context?.previous };
  return JSON.stringify(
    definition.dynamics.map((dynamic) => (dynamic.contextKeys ? Object.fromEntries(dynamic.contextKeys.map((key) => [key, values[key]])) : null)),
  );
}

/** The escalated values of one retry, each already capped at the policy's `max`. */
export type RetryPlan = readonly { resource: ResourceName; value: number; from: number }[];

/**
 * Applies a task's `retry` option to a context: the value each escalated resource must at
 * least have, or `undefined` when nothing escalates. Throws `TASKRES_RETRY_EXHAUSTED` when the
 * attempt is past `maxAttempts`, or when a resource the failure calls to escalate was
 * already at its cap (`max`, or the resolver's limit).
 */
export function planRetry(definition: TaskDefinition, context: RetryContext, limits: Readonly<ResourceLimits>): RetryPlan | undefined {
  const policy = definition.retry;
  if (!policy) return undefined;
  const task = definition.name;
  if (context.attempt > policy.maxAttempts) {
    throw new TaskresError(
      'TASKRES_RETRY_EXHAUSTED',
      `Task '${task}' allows at most ${policy.maxAttempts} attempt${policy.maxAttempts === 1 ? '' : 's'} (retry.maxAttempts), and this is attempt ${context.attempt}; stop retrying, or raise maxAttempts.`,
      { taskName: task },
    );
  }
  const previous = context.previous;
  if (!previous) return undefined;
  const plan: { resource: ResourceName; value: number; from: number }[] = [];
  for (const rule of policy.resources) {
    if (!rule.on.includes(previous.reason)) continue;
    plan.push({ resource: rule.resource, value: escalate(rule, previous, limits, task), from: previous.resources[rule.resource] });
  }
  return plan.length > 0 ? plan : undefined;
}

function escalate(rule: ResolvedResourceRetry, previous: PreviousAttempt, limits: Readonly<ResourceLimits>, task: string): number {
  const { resource } = rule;
  const last = previous.resources[resource];
  const limit = limits[resource].max;
  const cap = Math.min(rule.max, limit);
  if (last >= cap) {
    const which = rule.max <= limit ? `its retry.${resource}.max of ${rule.max}` : `the resolver's limit of ${limit} (limits.${resource}.max)`;
    throw new TaskresError(
      'TASKRES_RETRY_EXHAUSTED',
      `Task '${task}' failed with '${previous.reason}', which calls for more ${resource}, but its previous ${resource} of ${last} is already at ${which}; another attempt would fail the same way. Fix the task or its input, or raise the cap.`,
      { taskName: task, resource },
    );
  }
  const base = Math.max(last, previous.peak?.[resource] ?? 0);
  const exact = base * rule.factor + rule.add;
  // Rounded to 12 significant digits first: 10 x 1.1 is 11.000000000000002 in binary floating
  // point, which must ask for 11, not 12. Past 1e12 (above every limit) that rounding would drop
  // whole units, so it applies only below.
  const grown = exact < 1e12 ? Math.ceil(Number(exact.toPrecision(12))) : Math.ceil(exact);
  // Saturated at the largest safe integer: a huge peak or factor (even one that overflows to
  // Infinity) still asks for a whole number, so the resolver's limit check clamps it
  // (overLimit 'clamp') or refuses it (overLimit 'error') like any other value over the limit.
  return Math.min(grown, rule.max, Number.MAX_SAFE_INTEGER);
}

/**
 * Raises each resource of `result` to its escalated value when that is larger, through
 * `check` (the resolver's limits and `overLimit`).
 */
export function applyRetryPlan(result: Resources, plan: RetryPlan, check: (resource: ResourceName, value: number, from: number) => number): Resources {
  for (const { resource, value, from } of plan) {
    if (value > result[resource]) result[resource] = check(resource, value, from);
  }
  return result;
}
