/**
 * The `retry` option of a task: declarative escalation of resources after a failed attempt,
 * checked when the task is defined. The rule that applies it lives in src/resolver/retry.ts.
 */
import { z } from 'zod';
import { TaskresError, type ResourceName } from '../core/errors.js';
import { DEFAULT_LIMITS, RESOURCE_NAMES } from '../core/units.js';
import { closestName, formatIssues } from '../core/text.js';

/** Why an attempt failed, as a scheduler reports it to {@link Resolver.resolve}. */
export type FailureReason = 'oom' | 'disk' | 'timeout' | 'preempted' | 'error';

/** Every {@link FailureReason}, in the order the docs list them. */
export const FAILURE_REASONS: readonly FailureReason[] = Object.freeze(['oom', 'disk', 'timeout', 'preempted', 'error']);

/**
 * How one resource grows after a failure whose reason is in `on`:
 * `max(own value, ceil(max(previous value, peak) × factor + add))`, never above `max`.
 */
export interface ResourceRetryPolicy {
  /** Multiplier of the previous value (or of the measured peak, when larger); more than 1. */
  factor?: number;
  /** Added after multiplying, in the resource's unit; at least 0. */
  add?: number;
  /** Ceiling of the escalated value: a whole number within the default limits. */
  max?: number;
  /**
   * Failure reasons that escalate this resource. Default: the policy's top-level `on`, else
   * `['oom']` for memory, `['disk']` for storage, `['timeout']` for cpu (gpu has no default).
   */
  on?: FailureReason[];
}

/**
 * The `retry` option of `customTask` and of a spec's `resources` (see {@link TaskSpec}):
 * which resources escalate after which failures, and how many attempts are worth making.
 */
export interface RetryPolicy {
  /** Failure reasons that escalate every listed resource that does not give its own `on`. */
  on?: FailureReason[];
  /** Escalation of memory (default `on`: `['oom']`). */
  memory?: ResourceRetryPolicy;
  /** Escalation of storage (default `on`: `['disk']`). */
  storage?: ResourceRetryPolicy;
  /** Escalation of cpu (default `on`: `['timeout']`). */
  cpu?: ResourceRetryPolicy;
  /** Escalation of gpu (no default `on`: give one here or at the top level). */
  gpu?: ResourceRetryPolicy;
  /** Attempts worth making, the first included; a later one is `TASKRES_RETRY_EXHAUSTED`. */
  maxAttempts?: number;
}

/** A resource's escalation with every default applied. */
export interface ResolvedResourceRetry {
  resource: ResourceName;
  factor: number;
  add: number;
  /** The ceiling; `Infinity` when the policy gives none (the resolver's limit still applies). */
  max: number;
  on: readonly FailureReason[];
}

/** A checked retry policy: what the resolver applies, and what `toJSON()` gives back. */
export interface CheckedRetryPolicy {
  /** The policy as the user wrote it (after validation), for `toJSON()`. */
  spec: RetryPolicy;
  resources: readonly ResolvedResourceRetry[];
  maxAttempts: number;
}

const DEFAULT_ON: Readonly<Partial<Record<ResourceName, readonly FailureReason[]>>> = { memory: ['oom'], storage: ['disk'], cpu: ['timeout'] };

const REASONS = z.array(z.enum(FAILURE_REASONS as [FailureReason, ...FailureReason[]])).min(1);
const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const resourceSchema = (resource: ResourceName) =>
  z.strictObject({
    factor: finite.refine((n) => n > 1, 'expected a factor greater than 1').optional(),
    add: finite.refine((n) => n >= 0, 'expected a number at least 0').optional(),
    max: z.number().int().min(DEFAULT_LIMITS[resource].min).max(DEFAULT_LIMITS[resource].max).optional(),
    on: REASONS.optional(),
  });
const POLICY_SCHEMA = z.strictObject({
  on: REASONS.optional(),
  memory: resourceSchema('memory').optional(),
  storage: resourceSchema('storage').optional(),
  cpu: resourceSchema('cpu').optional(),
  gpu: resourceSchema('gpu').optional(),
  maxAttempts: z.number().int().min(1).max(1_000_000).optional(),
});
const POLICY_KEYS = ['on', ...RESOURCE_NAMES, 'maxAttempts'];

const EXPECTED =
  "Expected { on?: reasons, memory?|storage?|cpu?|gpu?: { factor?: > 1, add?: >= 0, max?: whole number, on?: reasons }, maxAttempts?: whole number >= 1 }, reasons from 'oom', 'disk', 'timeout', 'preempted', 'error'";

/**
 * Checks a task's `retry` option against its static values; pushes each problem
 * (`TASKRES_INVALID_SPEC`) and returns the checked policy when there is none.
 */
export function checkRetryPolicy(
  value: unknown,
  statics: Readonly<Partial<Record<ResourceName, number>>>,
  taskName: string,
  problems: TaskresError[],
): CheckedRetryPolicy | undefined {
  const where = `retry option of task '${taskName}'`;
  const parsed = POLICY_SCHEMA.safeParse(value);
  if (!parsed.success) {
    const details = formatIssues(parsed.error.issues, { root: 'retry', prefix: ['retry'], maxMessageChars: 200, describe: (issue) => describeIssue(issue, value) });
    problems.push(new TaskresError('TASKRES_INVALID_SPEC', `Invalid ${where}: ${details}. ${EXPECTED}.`, { taskName }));
    return undefined;
  }
  const spec = parsed.data as RetryPolicy;
  const resources: ResolvedResourceRetry[] = [];
  const before = problems.length;
  for (const resource of RESOURCE_NAMES) {
    const own = spec[resource];
    if (own === undefined) continue;
    const fail = (message: string) => problems.push(new TaskresError('TASKRES_INVALID_SPEC', `retry.${resource} of task '${taskName}' ${message}.`, { taskName, resource }));
    if (own.factor === undefined && !(own.add !== undefined && own.add > 0)) {
      fail('never grows: give a factor greater than 1 and/or an add greater than 0, e.g. { factor: 2 }');
    }
    const on = own.on ?? spec.on ?? DEFAULT_ON[resource];
    if (on === undefined) fail(`has no failure reasons to escalate on: give on, e.g. { on: ['error'], add: 1 }`);
    const staticValue = statics[resource];
    if (own.max !== undefined && staticValue !== undefined && own.max < staticValue) {
      fail(`has max ${own.max}, below the task's own ${resource} of ${staticValue}: raise max to at least ${staticValue}`);
    }
    if (on !== undefined) resources.push(Object.freeze({ resource, factor: own.factor ?? 1, add: own.add ?? 0, max: own.max ?? Infinity, on: Object.freeze([...on]) }));
  }
  if (problems.length > before) return undefined;
  return Object.freeze({ spec: structuredClone(spec), resources: Object.freeze(resources), maxAttempts: spec.maxAttempts ?? Infinity });
}

/** The retry option's own wording of an issue; undefined for the shared one. */
function describeIssue(issue: z.core.$ZodIssue, value: unknown): string | undefined {
  const path = ['retry', ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.length === 0 ? POLICY_KEYS : ['factor', 'add', 'max', 'on'];
    // At most five: a caller's object may have a million unknown keys.
    const more = issue.keys.length > 5 ? `; and ${issue.keys.length - 5} more unknown options in ${path}` : '';
    return issue.keys
      .slice(0, 5)
      .map((key) => {
        const suggestion = closestName(key, parent);
        return `unknown option '${key.slice(0, 40)}' in ${path}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`;
      })
      .join('; ') + more;
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) return `retry must be an object, received ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  return undefined;
}
