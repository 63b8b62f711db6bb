/**
 * `failureFromPod`: reads a failed Kubernetes Pod (as the API returns it) into the `previous`
 * a retry passes to `resolve`: why it failed and, when the pod says, what it ran with.
 *
 * The pod-level reason is the last word on why a pod ended (an eviction, its deadline, a
 * preemption): containers killed by it show exit 137 too, which must not read as a failure of
 * their own. Only when the pod says nothing does a container's own termination decide.
 */
import { TaskresError } from '../core/errors.js';
import type { FailureReason } from '../definition/retry-policy.js';
import type { Resources } from '../core/units.js';

/** What {@link failureFromPod} reads from a pod: the `previous` of a retry, less what a pod cannot tell. */
export interface PodFailure {
  /** Why the pod failed. */
  reason: FailureReason;
  /**
   * What the pod's containers were given, summed, in taskres units (cores, GiB, GiB,
   * devices; fractions kept): from each container's `resources.limits`, else its `requests`.
   * Absent when a container gives no cpu or memory (then pass what `resolve` returned).
   */
  resources?: Resources;
}

// Graceful node shutdown and node loss: the pod did nothing wrong.
const NODE_GONE = new Set(['Shutdown', 'Terminated', 'NodeShutdown', 'NodeLost']);
// Pod-level reasons of preemption: by the scheduler (through the DisruptionTarget condition)
// or by the kubelet admitting a critical pod.
const PREEMPTED = new Set(['Preempting', 'Preempted']);

/**
 * Reads a failed pod: `status.reason`/`status.message`, the `DisruptionTarget` condition, and
 * `state.terminated`/`lastState.terminated` of every container and init container. In order:
 * - evicted (`status.reason` `Evicted`) with a message about ephemeral storage or an emptyDir
 *   over its limit: `'disk'`;
 * - `DeadlineExceeded` (past `activeDeadlineSeconds`): `'timeout'`;
 * - a container or init container `OOMKilled` (now or in its last run), or exit 137 whose
 *   reason or message says OOM: `'oom'`;
 * - any other eviction, preemption (`Preempting`), node shutdown (`Shutdown`, `Terminated`,
 *   `NodeShutdown`), node loss, or a true `DisruptionTarget` condition (`PreemptionByScheduler`,
 *   `DeletionByTaintManager`, `EvictionByEvictionAPI`, `DeletionByPodGC`, `TerminationByKubelet`):
 *   `'preempted'`;
 * - anything else: `'error'`.
 *
 * Takes the pod object (`kubectl get pod -o json`, or a client's `V1Pod`), typed `unknown`
 * because it is JSON from the API. Throws `TASKRES_INVALID_ARGS` when `pod` is not a failed
 * pod: not an object, or a pod that shows no failure (a Pending, Running or Succeeded pod whose
 * containers never terminated with an error, or `{}`). Answering `'error'` for those would
 * make a scheduler's bug look like a retryable failure.
 */
export function failureFromPod(pod: unknown): PodFailure {
  if (typeof pod !== 'object' || pod === null || Array.isArray(pod)) {
    throw new TaskresError('TASKRES_INVALID_ARGS', `failureFromPod expects a Kubernetes Pod object (with its status), received ${pod === null ? 'null' : Array.isArray(pod) ? 'an array' : typeof pod}.`);
  }
  const status = record(field(pod, 'status'));
  const phase = text(field(status, 'phase'));
  const podReason = text(field(status, 'reason'));
  const podMessage = text(field(status, 'message'));
  const terminations = [...list(field(status, 'initContainerStatuses')), ...list(field(status, 'containerStatuses'))].flatMap((c) =>
    ['state', 'lastState'].map((key) => record(field(record(field(c, key)), 'terminated'))),
  );
  const disruption = list(field(status, 'conditions')).some((c) => field(c, 'type') === 'DisruptionTarget' && field(c, 'status') === 'True');
  const containerFailed = terminations.some((t) => t !== undefined && (text(field(t, 'reason')) === 'OOMKilled' || isNonZero(field(t, 'exitCode'))));
  if (phase !== 'Failed' && podReason === '' && !disruption && !containerFailed) throw notFailed(phase);

  const resources = resourcesOf(record(field(pod, 'spec')));
  const result = (reason: FailureReason): PodFailure => (resources ? { reason, resources } : { reason });
  if (podReason === 'Evicted' && /ephemeral|emptydir/i.test(podMessage)) return result('disk');
  if (podReason === 'DeadlineExceeded') return result('timeout');
  for (const terminated of terminations) {
    const reason = text(field(terminated, 'reason'));
    const said = `${reason} ${text(field(terminated, 'message'))}`;
    if (reason === 'OOMKilled' || (field(terminated, 'exitCode') === 137 && /\boom/i.test(said))) return result('oom');
  }
  if (podReason === 'Evicted' || PREEMPTED.has(podReason) || NODE_GONE.has(podReason)) return result('preempted');
  return result(disruption ? 'preempted' : 'error');
}

function isNonZero(exitCode: unknown): boolean {
  return typeof exitCode === 'number' && exitCode !== 0;
}

/** The error for a pod that shows no failure, saying what it showed and what a failed pod looks like. */
function notFailed(phase: string): TaskresError {
  const seen = phase === '' ? 'has no status.phase' : `is ${JSON.stringify(phase.slice(0, 40))}`;
  return new TaskresError(
    'TASKRES_INVALID_ARGS',
    `failureFromPod expects a failed Pod, but its status.phase ${seen} and no container terminated with an error, no eviction or deadline is given, and no DisruptionTarget condition is true. Call it for a pod whose status.phase is 'Failed' (or whose container was OOMKilled and restarted), as read from the API; a Running or Succeeded pod did not fail.`,
  );
}

/**
 * The sum of the containers' resources in taskres units, or `undefined` when one of them
 * gives no cpu or memory. Init containers run before, not beside, the task: left out.
 */
function resourcesOf(spec: object | undefined): Resources | undefined {
  const containers = list(field(spec, 'containers'));
  if (containers.length === 0) return undefined;
  const total = { cpu: 0, memory: 0, storage: 0, gpu: 0 };
  for (const container of containers) {
    const given = record(field(container, 'resources'));
    const limits = record(field(given, 'limits'));
    const requests = record(field(given, 'requests'));
    const read = (name: string, unit: number): number | undefined => {
      const quantity = parseQuantity(field(limits, name) ?? field(requests, name));
      return quantity === undefined ? undefined : quantity / unit;
    };
    const cpu = read('cpu', 1);
    const memory = read('memory', 1024 ** 3);
    if (cpu === undefined || memory === undefined) return undefined;
    total.cpu += cpu;
    total.memory += memory;
    total.storage += read('ephemeral-storage', 1024 ** 3) ?? 0;
    total.gpu += read('nvidia.com/gpu', 1) ?? 0;
  }
  return total;
}

const SUFFIXES: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

/** A Kubernetes quantity (`'500m'`, `'8Gi'`, `'1e3'`, `2`) as a number, or `undefined`. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(value.trim());
  if (!match) return undefined;
  const number = Number(match[1]! + (match[2] ?? ''));
  return number * SUFFIXES[match[3] ?? '']!;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function record(value: unknown): object | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function list(value: unknown): object[] {
  return Array.isArray(value) ? value.filter((v): v is object => typeof v === 'object' && v !== null) : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 400) : '';
}
