/** Retries through the public API: a real resolver, real isolates, the real CLI binary. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAILURE_REASONS,
  checkTaskSpec,
  createResolver,
  customTask,
  defineTask,
  failureFromPod,
  type ClampWarning,
  type PreviousAttempt,
  type Resolver,
  type Resources,
} from '../dist/index.js';
import { expectRejection, expectTaskresError } from './helpers/expect-error.js';

let resolver: Resolver;
beforeAll(() => {
  resolver = createResolver({ threads: 2, timeoutMs: 1000 });
});
afterAll(async () => {
  await resolver.close();
});

const base: Resources = { cpu: 4, memory: 8, storage: 100, gpu: 0 };
const oom = (resources: Resources, peak?: PreviousAttempt['peak']): PreviousAttempt => ({ resources, reason: 'oom', ...(peak ? { peak } : {}) });

const escalating = customTask({ cpu: 4, memory: 8, storage: 100, retry: { on: ['oom'], memory: { factor: 2, max: 64 }, maxAttempts: 4 } })(function align({ reads }: { reads: string[] }) {
  return reads.length;
});
const args = { reads: ['a.fq'] };

describe('attempt 1', () => {
  it('is exactly today: no context, attempt 1 and a task without retry all give the declared values', async () => {
    const plain = customTask({ cpu: 4, memory: 8, storage: 100 })(function align({ reads }: { reads: string[] }) {
      return reads.length;
    });
    expect(await resolver.resolve(escalating, args)).toEqual(base);
    expect(await resolver.resolve(escalating, args, { attempt: 1 })).toEqual(base);
    expect(await resolver.resolve(plain, args)).toEqual(base);
    const [outcome] = await resolver.resolveMany([{ task: escalating, args, attempt: 1 }]);
    expect(outcome).toEqual({ status: 'fulfilled', value: base });
  });
});

describe('the retry option', () => {
  it('doubles memory after an OOM, from the previous value', async () => {
    expect(await resolver.resolve(escalating, args, { attempt: 2, previous: oom(base) })).toEqual({ ...base, memory: 16 });
    expect(await resolver.resolve(escalating, args, { attempt: 3, previous: oom({ ...base, memory: 16 }) })).toEqual({ ...base, memory: 32 });
  });

  it('escalates from the measured peak when it is larger, rounding up', async () => {
    expect(await resolver.resolve(escalating, args, { attempt: 2, previous: oom(base, { memory: 12.2 }) })).toEqual({ ...base, memory: 25 });
    // A smaller peak than the value it ran with changes nothing: the base is the larger.
    expect(await resolver.resolve(escalating, args, { attempt: 2, previous: oom(base, { memory: 3 }) })).toEqual({ ...base, memory: 16 });
  });

  it('adds a fixed amount (storage on disk by default), and factor with add', async () => {
    const task = defineTask({ name: 'unpack', params: [], resources: { cpu: 2, memory: 4, storage: 100, retry: { storage: { add: 50 }, memory: { factor: 1.5, add: 1 } } } });
    const previous = { resources: { cpu: 2, memory: 4, storage: 100, gpu: 0 }, reason: 'disk' as const };
    expect(await resolver.resolve(task, {}, { attempt: 2, previous })).toEqual({ cpu: 2, memory: 4, storage: 150, gpu: 0 });
    expect(await resolver.resolve(task, {}, { attempt: 2, previous: { ...previous, reason: 'oom' } })).toEqual({ cpu: 2, memory: 7, storage: 100, gpu: 0 });
    // 10 x 1.1 is 11.000000000000002 in floating point: still 11.
    const fine = defineTask({ name: 'fine', params: [], resources: { cpu: 1, memory: 10, retry: { memory: { factor: 1.1 } } } });
    expect((await resolver.resolve(fine, {}, { attempt: 2, previous: { resources: { cpu: 1, memory: 10, storage: 500, gpu: 0 }, reason: 'oom' } })).memory).toBe(11);
  });

  it('caps at max', async () => {
    expect(await resolver.resolve(escalating, args, { attempt: 3, previous: oom({ ...base, memory: 40 }) })).toEqual({ ...base, memory: 64 });
  });

  it("caps at the resolver's limit: TASKRES_INVALID_VALUE with overLimit 'error', clamped and reported with 'clamp'", async () => {
    const strict = createResolver({ threads: 1, limits: { memory: { max: 20 } } });
    const warnings: ClampWarning[] = [];
    const clamping = createResolver({ threads: 1, limits: { memory: { max: 20 } }, overLimit: 'clamp', onWarning: (w) => warnings.push(w) });
    try {
      const error = await expectRejection(strict.resolve(escalating, args, { attempt: 2, previous: oom({ ...base, memory: 16 }) }), 'TASKRES_INVALID_VALUE', /memory of task 'align' escalated by its retry option \(from 16\) is 32/);
      expect(error.resource).toBe('memory');
      expect(await clamping.resolve(escalating, args, { attempt: 2, previous: oom({ ...base, memory: 16 }) })).toEqual({ ...base, memory: 20 });
      expect(warnings).toEqual([{ code: 'TASKRES_CLAMPED', taskName: 'align', resource: 'memory', value: 32, limit: 20 }]);
    } finally {
      await Promise.all([strict.close(), clamping.close()]);
    }
  });

  it('changes nothing for a reason not in on', async () => {
    for (const reason of ['disk', 'timeout', 'preempted', 'error'] as const) {
      expect(await resolver.resolve(escalating, args, { attempt: 2, previous: { resources: base, reason, peak: { memory: 100 } } })).toEqual(base);
    }
    // Each resource's default: cpu on timeout, storage on disk, memory on oom.
    const defaults = defineTask({ name: 'defaults', params: [], resources: { cpu: 2, memory: 4, storage: 10, retry: { cpu: { factor: 2 }, memory: { factor: 2 }, storage: { factor: 2 } } } });
    const ran = { cpu: 2, memory: 4, storage: 10, gpu: 0 };
    expect(await resolver.resolve(defaults, {}, { attempt: 2, previous: { resources: ran, reason: 'timeout' } })).toEqual({ ...ran, cpu: 4 });
    expect(await resolver.resolve(defaults, {}, { attempt: 2, previous: { resources: ran, reason: 'disk' } })).toEqual({ ...ran, storage: 20 });
    expect(await resolver.resolve(defaults, {}, { attempt: 2, previous: { resources: ran, reason: 'oom' } })).toEqual({ ...ran, memory: 8 });
    // A resource's own on wins over the top-level one.
    const own = defineTask({ name: 'own', params: [], resources: { cpu: 2, memory: 4, retry: { on: ['error'], memory: { factor: 2, on: ['oom'] }, cpu: { add: 2 } } } });
    expect(await resolver.resolve(own, {}, { attempt: 2, previous: { resources: { ...ran, storage: 500 }, reason: 'error' } })).toEqual({ cpu: 4, memory: 4, storage: 500, gpu: 0 });
  });

  it("keeps this attempt's own computed value when it is larger, and escalates a computed one that is smaller", async () => {
    const task = defineTask({ name: 'computed', params: ['gib'], resources: { cpu: 1, memory: '({ gib }) => gib', retry: { memory: { factor: 2 } } } });
    const previous = { resources: { cpu: 1, memory: 8, storage: 500, gpu: 0 }, reason: 'oom' as const };
    expect((await resolver.resolve(task, { gib: 40 }, { attempt: 2, previous })).memory).toBe(40);
    expect((await resolver.resolve(task, { gib: 4 }, { attempt: 2, previous })).memory).toBe(16);
  });

  it('refuses a retry past maxAttempts, and one whose resource to escalate is already at its cap', async () => {
    expect((await resolver.resolve(escalating, args, { attempt: 4, previous: oom({ ...base, memory: 32 }) })).memory).toBe(64);
    await expectRejection(resolver.resolve(escalating, args, { attempt: 5, previous: oom(base) }), 'TASKRES_RETRY_EXHAUSTED', /at most 4 attempts.*attempt 5/);
    await expectRejection(resolver.resolve(escalating, args, { attempt: 5 }), 'TASKRES_RETRY_EXHAUSTED');
    const atMax = await expectRejection(resolver.resolve(escalating, args, { attempt: 3, previous: oom({ ...base, memory: 64 }) }), 'TASKRES_RETRY_EXHAUSTED', /already at its retry\.memory\.max of 64/);
    expect(atMax.resource).toBe('memory');
    // At the cap, a reason that does not call for that resource is still worth a retry.
    expect(await resolver.resolve(escalating, args, { attempt: 3, previous: { resources: { ...base, memory: 64 }, reason: 'preempted' } })).toEqual(base);
    const limited = createResolver({ threads: 1, limits: { memory: { max: 20 } }, overLimit: 'clamp', onWarning: () => {} });
    try {
      await expectRejection(limited.resolve(escalating, args, { attempt: 3, previous: oom({ ...base, memory: 20 }) }), 'TASKRES_RETRY_EXHAUSTED', /resolver's limit of 20 \(limits\.memory\.max\)/);
    } finally {
      await limited.close();
    }
  });

  it('applies per item of resolveMany, each settled on its own', async () => {
    const outcomes = await resolver.resolveMany([
      { task: escalating, args, attempt: 2, previous: oom(base) },
      { task: escalating, args },
      { task: escalating, args, attempt: 9 },
      { task: escalating, args, previous: oom(base) },
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { ...base, memory: 16 } });
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: base });
    expect(outcomes[2]!.status === 'rejected' && outcomes[2]!.reason.code).toBe('TASKRES_RETRY_EXHAUSTED');
    expect(outcomes[3]!.status === 'rejected' && outcomes[3]!.reason.code).toBe('TASKRES_INVALID_ARGS');
    expect(outcomes[3]!.status === 'rejected' && outcomes[3]!.reason.message).toMatch(/\battempt: /);
  });
});

describe('resource functions that name the retry context', () => {
  it('receive attempt and previous (attempt 1 and undefined on a first attempt)', async () => {
    const task = customTask({
      cpu: 1,
      storage: ({ reads }: { reads: string[] }, { attempt, previous }: { attempt: number; previous?: PreviousAttempt }) => reads.length + attempt * 10 + (previous ? previous.resources.cpu * 100 : 0),
      memory: ({ reads }: { reads: string[] }, { previous }: { previous?: PreviousAttempt }) => (previous?.reason === 'oom' ? Math.ceil((previous.peak?.memory ?? 1) * 3) : 2),
    })(function count({ reads }: { reads: string[] }) {
      return reads.length;
    });
    expect(await resolver.resolve(task, args)).toEqual({ cpu: 1, memory: 2, storage: 11, gpu: 0 });
    expect(await resolver.resolve(task, args, { attempt: 3, previous: { resources: base, reason: 'oom', peak: { memory: 7.5 } } })).toEqual({ cpu: 1, memory: 23, storage: 431, gpu: 0 });
  });

  it('get deep-frozen copies, while other functions of the task see no second argument and no new global', async () => {
    const task = defineTask({
      name: 'probe',
      params: ['n'],
      resources: {
        storage: `function ({ n }, { previous, attempt }) {
          previous.reason = 'error'; previous.resources.cpu = 99; previous.peak.memory = 0;
          try { Object.defineProperty(previous.resources, 'x', { value: 1 }); } catch {}
          const frozen = [previous, previous.resources, previous.peak].every(Object.isFrozen);
          return (frozen ? 1 : 0) + (previous.reason === 'oom' ? 2 : 0) + (previous.resources.cpu === 4 ? 4 : 0) + (previous.peak.memory === 5 ? 8 : 0) + ('x' in previous.resources ? 64 : 0) + attempt * 100;
        }`,
        memory: `function ({ n }) {
          const names = Object.getOwnPropertyNames(globalThis).filter((k) => k === 'attempt' || k === 'previous');
          return 1 + arguments.length * 10 + names.length * 100;
        }`,
        cpu: `function ({ n }, { attempt }) { return arguments[1] !== undefined && Object.isFrozen(arguments[1]) && !('previous' in arguments[1]) ? attempt : 0; }`,
      },
    });
    const previous = { resources: base, reason: 'oom' as const, peak: { memory: 5 } };
    expect(await resolver.resolve(task, { n: 1 }, { attempt: 2, previous })).toEqual({ cpu: 2, memory: 11, storage: 215, gpu: 0 });
    // The caller's object is untouched, and the next evaluation gets a fresh, intact copy.
    expect(previous).toEqual({ resources: base, reason: 'oom', peak: { memory: 5 } });
    const [a, b] = await resolver.resolveMany([
      { task, args: { n: 1 }, attempt: 2, previous },
      { task, args: { n: 2 }, attempt: 3, previous },
    ]);
    expect(a).toEqual({ status: 'fulfilled', value: { cpu: 2, memory: 11, storage: 215, gpu: 0 } });
    expect(b).toEqual({ status: 'fulfilled', value: { cpu: 3, memory: 11, storage: 315, gpu: 0 } });
  });

  it('are refused at definition when the second parameter names anything else, is not an object pattern or has a rest element', () => {
    const unknownKey = expectTaskresError(
      () => customTask({ cpu: function allocateCpu({ n }: { n: number }, { attempts }: { attempts: number }) { return n + attempts; }, memory: 1 })(function t({ n }: { n: number }) { return n; }),
      'TASKRES_SIGNATURE',
      /'allocateCpu'.*'attempts'.*second parameter/,
    );
    expect(unknownKey.taskName).toBe('t');
    expect(unknownKey.resource).toBe('cpu');
    expectTaskresError(() => defineTask({ name: 't', params: ['n'], resources: { cpu: '({ n }, context) => n', memory: 1 } }), 'TASKRES_SIGNATURE', /not an object pattern \('context'\)/);
    expectTaskresError(() => defineTask({ name: 't', params: ['n'], resources: { cpu: '({ n }, { attempt, ...more }) => n', memory: 1 } }), 'TASKRES_SIGNATURE', /rest element/);
    expectTaskresError(() => defineTask({ name: 't', params: ['n'], resources: { cpu: '({ n }, { ["attempt"]: a }) => n', memory: 1 } }), 'TASKRES_SIGNATURE', /computed key/);
    expectTaskresError(() => defineTask({ name: 't', params: ['n'], resources: { cpu: 'function size({ n }, { previous, files }) { return n; }', memory: 1 } }), 'TASKRES_SIGNATURE', /'size'.*'files'/);
    // Plain names stay task parameters bound by name: `attempt` there is a parameter the task lacks.
    expectTaskresError(() => defineTask({ name: 't', params: ['n'], resources: { cpu: '(n, attempt) => n', memory: 1 } }), 'TASKRES_SIGNATURE', /'attempt'.*not in the task signature/);
    expect(checkTaskSpec({ name: 't', params: ['n'], resources: { cpu: '({ n }, { attempt, previous } = {}) => n * attempt', memory: 1 } })).toEqual([]);
  });
});

describe('bad retry input', () => {
  const cases: [string, unknown, RegExp][] = [
    ['attempt 0', { attempt: 0 }, /attempt: expected a whole number at least 1, received 0/],
    ['a fractional attempt', { attempt: 1.5 }, /attempt: expected a whole number/],
    ['attempt as a string', { attempt: '2' }, /attempt: .*received the string "2"/],
    ['no attempt', { previous: oom(base) }, /attempt: .*received undefined/],
    ['an unknown reason', { attempt: 2, previous: { resources: base, reason: 'OOMKilled' } }, /previous\.reason: .*"OOMKilled"/],
    ['no resources', { attempt: 2, previous: { reason: 'oom' } }, /previous\.resources: /],
    ['a resource missing', { attempt: 2, previous: { resources: { cpu: 1, memory: 2, storage: 0 }, reason: 'oom' } }, /previous\.resources\.gpu: /],
    ['a negative resource', { attempt: 2, previous: { resources: { ...base, memory: -1 }, reason: 'oom' } }, /previous\.resources\.memory: expected a number at least 0/],
    ['an infinite peak', { attempt: 2, previous: { ...oom(base), peak: { memory: Infinity } } }, /previous\.peak\.memory: /],
    ['a peak of an unknown resource', { attempt: 2, previous: { ...oom(base), peak: { ram: 3 } } }, /previous\.peak: .*unknown 'ram'/],
    ['an unknown key', { attempt: 2, previous: { ...oom(base), why: 'x' } }, /previous: .*unknown 'why'/],
    ['not an object', 2, /the retry context: .*received 2/],
  ];
  for (const [what, retry, pattern] of cases) {
    it(`rejects ${what} with TASKRES_INVALID_ARGS naming the field`, async () => {
      const error = await expectRejection(resolver.resolve(escalating, args, retry as never), 'TASKRES_INVALID_ARGS', pattern);
      expect(error.taskName).toBe('align');
    });
  }
  it('takes fractional resources and peaks (what a cluster reports)', async () => {
    expect((await resolver.resolve(escalating, args, { attempt: 2, previous: oom({ ...base, memory: 7.5 }, { memory: 7.9 }) })).memory).toBe(16);
  });
});

describe('retry in task specs', () => {
  it('round-trips through toJSON() and defineTask', async () => {
    const spec = escalating.toJSON();
    expect(spec.resources.retry).toEqual({ on: ['oom'], memory: { factor: 2, max: 64 }, maxAttempts: 4 });
    const again = defineTask(JSON.parse(JSON.stringify(spec)));
    expect(again.toJSON()).toEqual(spec);
    expect(await resolver.resolve(again, args, { attempt: 2, previous: oom(base) })).toEqual({ ...base, memory: 16 });
    await expectRejection(resolver.resolve(again, args, { attempt: 5 }), 'TASKRES_RETRY_EXHAUSTED');
    // toJSON() gives a copy: changing it changes nothing.
    spec.resources.retry!.maxAttempts = 100;
    expect(escalating.toJSON().resources.retry!.maxAttempts).toBe(4);
  });

  it('is also accepted beside resources, but not twice', () => {
    const beside = defineTask({ name: 'beside', params: [], resources: { cpu: 1, memory: 2 }, retry: { memory: { factor: 2 } } });
    expect(beside.toJSON().resources.retry).toEqual({ memory: { factor: 2 } });
    expectTaskresError(() => defineTask({ name: 'twice', params: [], resources: { cpu: 1, memory: 2, retry: {} }, retry: {} }), 'TASKRES_INVALID_SPEC', /retry twice/);
  });

  const bad: [string, unknown, RegExp][] = [
    ['an unknown key', { memory: { factr: 2 } }, /unknown option 'factr' in retry\.memory \(did you mean 'factor'\?\)/],
    ['an unknown resource', { mem: { factor: 2 } }, /unknown option 'mem' in retry \(did you mean 'memory'\?\)/],
    ['a factor of 1', { memory: { factor: 1 } }, /retry\.memory\.factor: expected a factor greater than 1/],
    ['a negative add', { memory: { add: -1 } }, /retry\.memory\.add: /],
    ['no growth', { memory: { add: 0 } }, /never grows/],
    ['a max above the default limit', { memory: { factor: 2, max: 2000 } }, /retry\.memory\.max: /],
    ['a fractional max', { memory: { factor: 2, max: 10.5 } }, /retry\.memory\.max: /],
    ['a max below the static value', { memory: { factor: 2, max: 4 } }, /max 4, below the task's own memory of 8/],
    ['an unknown reason', { on: ['OOM'] }, /retry\.on\.0: /],
    ['gpu without a reason', { gpu: { add: 1 } }, /retry\.gpu .*no failure reasons/],
    ['maxAttempts 0', { maxAttempts: 0 }, /retry\.maxAttempts: /],
    ['not an object', 'double', /retry must be an object, received string/],
  ];
  for (const [what, retry, pattern] of bad) {
    it(`refuses ${what} at definition with TASKRES_INVALID_SPEC`, () => {
      expectTaskresError(() => customTask({ cpu: 1, memory: 8, retry } as never)(function t() { return 1; }), 'TASKRES_INVALID_SPEC', pattern);
      expect(checkTaskSpec({ name: 't', params: [], resources: { cpu: 1, memory: 8, retry } }).map((p) => p.code)).toEqual(['TASKRES_INVALID_SPEC']);
    });
  }
});

describe('failureFromPod', () => {
  const spec = {
    initContainers: [{ name: 'fetch', resources: { limits: { cpu: '1', memory: '1Gi' } } }],
    containers: [
      { name: 'task', resources: { limits: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' }, requests: { cpu: '4', memory: '8Gi' } } },
      { name: 'sidecar', resources: { requests: { cpu: '500m', memory: '512Mi' } } },
    ],
  };
  const ran = { cpu: 4.5, memory: 8.5, storage: 100, gpu: 0 };
  const terminated = (name: string, reason: string, exitCode: number) => ({ name, ready: false, restartCount: 0, state: { terminated: { reason, exitCode, startedAt: '2026-11-27T10:00:00Z', finishedAt: '2026-11-27T10:05:00Z' } } });
  const pod = (status: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'align-abc12', namespace: 'batch' }, spec, status: { phase: 'Failed', ...status } });

  it('reads OOMKilled in any container, init container or last state as oom, with the containers\' resources', () => {
    expect(failureFromPod(pod({ containerStatuses: [terminated('sidecar', 'Completed', 0), terminated('task', 'OOMKilled', 137)] }))).toEqual({ reason: 'oom', resources: ran });
    expect(failureFromPod(pod({ initContainerStatuses: [terminated('fetch', 'OOMKilled', 137)], containerStatuses: [{ name: 'task', state: { waiting: { reason: 'PodInitializing' } } }] })).reason).toBe('oom');
    expect(failureFromPod(pod({ phase: 'Running', containerStatuses: [{ name: 'task', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] })).reason).toBe('oom');
    expect(failureFromPod(pod({ containerStatuses: [{ name: 'task', state: { terminated: { reason: 'Error', exitCode: 137, message: 'killed by the OOM killer' } } }] })).reason).toBe('oom');
  });

  it('reads an eviction for ephemeral storage or an emptyDir over its limit as disk', () => {
    for (const message of [
      'The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 2Gi. Container task was using 90Gi, request is 0, has larger consumption of ephemeral-storage. ',
      'Container task exceeded its local ephemeral storage limit "100Gi". ',
      'Pod ephemeral local storage usage exceeds the total limit of containers 100Gi. ',
      'Usage of EmptyDir volume "scratch" exceeds the limit "50Gi". ',
    ]) {
      const evicted = pod({
        reason: 'Evicted',
        message,
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message }],
        containerStatuses: [terminated('task', 'Error', 137)],
      });
      expect(failureFromPod(evicted)).toEqual({ reason: 'disk', resources: ran });
    }
  });

  it('reads DeadlineExceeded as timeout, even with containers killed by it', () => {
    expect(failureFromPod(pod({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline', containerStatuses: [terminated('task', 'Error', 137)] })).reason).toBe('timeout');
  });

  it('reads preemption, node shutdown, other evictions and a DisruptionTarget condition as preempted', () => {
    for (const reason of ['PreemptionByScheduler', 'DeletionByTaintManager', 'EvictionByEvictionAPI', 'DeletionByPodGC', 'TerminationByKubelet']) {
      const disrupted = pod({ conditions: [{ type: 'Ready', status: 'False' }, { type: 'DisruptionTarget', status: 'True', reason, message: 'disrupted' }], containerStatuses: [terminated('task', 'Error', 137)] });
      expect(failureFromPod(disrupted).reason, reason).toBe('preempted');
    }
    for (const reason of ['Shutdown', 'Terminated', 'NodeShutdown', 'NodeLost', 'Preempting']) {
      expect(failureFromPod(pod({ reason, message: 'Pod was terminated in response to imminent node shutdown.' })).reason, reason).toBe('preempted');
    }
    expect(failureFromPod(pod({ reason: 'Evicted', message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ' })).reason).toBe('preempted');
    // A condition that is not true says nothing.
    expect(failureFromPod(pod({ conditions: [{ type: 'DisruptionTarget', status: 'False', reason: 'PreemptionByScheduler' }], containerStatuses: [terminated('task', 'Error', 1)] })).reason).toBe('error');
  });

  it('reads anything else as error, and leaves resources out when a container gives none', () => {
    expect(failureFromPod(pod({ containerStatuses: [terminated('task', 'Error', 1), terminated('sidecar', 'Completed', 0)] }))).toEqual({ reason: 'error', resources: ran });
    expect(failureFromPod(pod({ containerStatuses: [terminated('task', 'Error', 137)] })).reason).toBe('error');
    expect(failureFromPod({ status: { phase: 'Failed' } })).toEqual({ reason: 'error' });
    expect(failureFromPod({ spec: { containers: [{ name: 'task', resources: { limits: { cpu: '2' } } }] }, status: { phase: 'Failed' } })).toEqual({ reason: 'error' });
    expect(failureFromPod({ spec: { containers: [{ name: 'gpu', resources: { limits: { cpu: '2500m', memory: '12884901888', 'nvidia.com/gpu': '1' } } }] }, status: { phase: 'Failed' } })).toEqual({ reason: 'error', resources: { cpu: 2.5, memory: 12, storage: 0, gpu: 1 } });
    expectTaskresError(() => failureFromPod(null), 'TASKRES_INVALID_ARGS', /Pod object/);
  });

  it('refuses a pod that did not fail: a scheduler bug must not look like a retryable failure', () => {
    const running = { name: 'task', ready: true, restartCount: 0, state: { running: { startedAt: '2026-11-27T10:00:00Z' } } };
    const notFailed = [
      {},
      { status: {} },
      pod({ phase: 'Running', containerStatuses: [running] }),
      pod({ phase: 'Pending', containerStatuses: [{ name: 'task', state: { waiting: { reason: 'ContainerCreating' } } }] }),
      pod({ phase: 'Succeeded', containerStatuses: [terminated('task', 'Completed', 0), terminated('sidecar', 'Completed', 0)] }),
    ];
    for (const value of notFailed) expectTaskresError(() => failureFromPod(value), 'TASKRES_INVALID_ARGS', /expects a failed Pod.*'Failed'/);
    expect(() => failureFromPod(pod({ phase: 'Running', containerStatuses: [running] }))).toThrow(/status\.phase is "Running"/);
    // A running pod whose container failed and restarted did fail: its last run is read.
    expect(failureFromPod(pod({ phase: 'Running', containerStatuses: [{ ...running, restartCount: 1, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] })).reason).toBe('error');
    // JSON from the API is `unknown`: the type takes it without a cast.
    const fromApi: unknown = JSON.parse('{"status":{"phase":"Failed"}}');
    expect(failureFromPod(fromApi)).toEqual({ reason: 'error' });
  });

  it('gives what resolve takes: the whole loop', async () => {
    const first = await resolver.resolve(escalating, args);
    const failed = pod({ containerStatuses: [terminated('task', 'OOMKilled', 137)] });
    const retry = await resolver.resolve(escalating, args, { attempt: 2, previous: { ...failureFromPod(failed), resources: first } });
    expect(retry.memory).toBe(16);
    expect(FAILURE_REASONS).toEqual(['oom', 'disk', 'timeout', 'preempted', 'error']);
  });
});

describe('the CLI', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'taskres-retry-cli-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const write = (name: string, value: unknown): string => {
    const path = join(scratch, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const taskres = (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [new URL('../bin/taskres.js', import.meta.url).pathname, ...argv], { timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  const spec = () => write('spec.json', escalating.toJSON());
  const argsFile = () => write('args.json', args);

  it('takes --attempt N --previous FILE.json', async () => {
    const previous = write('previous.json', { resources: base, reason: 'oom', peak: { memory: 9.5 } });
    const run = await taskres('resolve', spec(), '--args', argsFile(), '--attempt', '2', '--previous', previous);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ ...base, memory: 19 });
    expect(run.code).toBe(0);
    const exhausted = await taskres('resolve', spec(), '--args', argsFile(), '--attempt', '5', '--format', 'table');
    expect(exhausted.code).toBe(1);
    expect(exhausted.stderr).toMatch(/^taskres resolve: TASKRES_RETRY_EXHAUSTED: .*\n$/);
  });

  it('says what is wrong in one line', async () => {
    const bad = await taskres('resolve', spec(), '--args', argsFile(), '--attempt', 'two');
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe("taskres resolve: --attempt must be a whole number from 1, received 'two'");
    const alone = await taskres('resolve', spec(), '--args', argsFile(), '--previous', write('p.json', oom(base)));
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--previous needs --attempt N/);
    const wrong = await taskres('resolve', spec(), '--args', argsFile(), '--attempt', '2', '--previous', write('wrong.json', { resources: base, reason: 'OOM' }), '--format', 'table');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^taskres resolve: TASKRES_INVALID_ARGS: Invalid retry context of task 'align': previous\.reason: [^\n]*\n$/);
    const help = await taskres('resolve', '--help');
    expect(help.stdout).toMatch(/--attempt VALUE\s+which attempt this is/);
    expect(help.stdout).toMatch(/--previous VALUE\s+JSON file of what happened last time/);
  });
});

describe('hostile retry input (attack round 3)', () => {
  const limits = { memory: { max: 20 } };
  const unbounded = defineTask({ name: 'unbounded', params: [], resources: { cpu: 1, memory: 4, retry: { memory: { factor: 1e308 } } } });
  const adding = defineTask({ name: 'adding', params: [], resources: { cpu: 1, memory: 4, retry: { memory: { add: Number.MAX_SAFE_INTEGER } } } });
  const ran = { cpu: 1, memory: 4, storage: 500, gpu: 0 };

  it('a peak or factor that overflows to Infinity is clamped like any value over the limit, never a non-number', async () => {
    const warnings: ClampWarning[] = [];
    const clamping = createResolver({ threads: 1, limits, overLimit: 'clamp', onWarning: (w) => warnings.push(w) });
    const strict = createResolver({ threads: 1, limits });
    try {
      for (const [task, taskArgs, previous] of [
        [escalating, args, oom({ ...base, memory: 16 }, { memory: 1e308 })],
        [unbounded, {}, oom(ran)],
        [adding, {}, oom(ran)],
        [unbounded, {}, oom(ran, { memory: Number.MAX_VALUE })],
      ] as const) {
        expect((await clamping.resolve(task, taskArgs as never, { attempt: 2, previous })).memory).toBe(20);
        const error = await expectRejection(strict.resolve(task, taskArgs as never, { attempt: 2, previous }), 'TASKRES_INVALID_VALUE', /escalated by its retry option/);
        expect(error.message).not.toMatch(/Infinity|NaN/);
      }
      expect(warnings.every((w) => Number.isSafeInteger(w.value) && w.limit === 20)).toBe(true);
    } finally {
      await Promise.all([clamping.close(), strict.close()]);
    }
  });

  it('a huge unknown-keys object gives a short message, in the context and in the retry option', async () => {
    const many = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    const error = await expectRejection(resolver.resolve(escalating, args, { attempt: 2, previous: { ...oom(base), peak: many } } as never), 'TASKRES_INVALID_ARGS', /previous\.peak: unknown 'k0', .* and 99995 more/);
    expect(error.message.length).toBeLessThan(1000);
    const [problem] = checkTaskSpec({ name: 'keys', params: [], resources: { cpu: 1, memory: 1, retry: { memory: { factor: 2, ...many } } } });
    expect(problem!.message.length).toBeLessThan(2000);
    expect(problem!.message).toMatch(/and 99995 more unknown options/);
  });

  it('reads a context of getters and proxies once; a throwing one is TASKRES_INVALID_ARGS', async () => {
    let reads = 0;
    const flipping = {
      get resources() {
        reads++;
        return { ...base, memory: reads === 1 ? 8 : 60 };
      },
      reason: 'oom' as const,
    };
    expect(await resolver.resolve(escalating, args, { attempt: 2, previous: flipping })).toEqual({ ...base, memory: 16 });
    expect(reads).toBe(1);
    const trap = () => {
      throw new Error('trap');
    };
    await expectRejection(resolver.resolve(escalating, args, { attempt: 2, previous: new Proxy({}, { ownKeys: trap, get: trap }) } as never), 'TASKRES_INVALID_ARGS');
    await expectRejection(resolver.resolve(escalating, args, new Proxy({}, { get: trap }) as never), 'TASKRES_INVALID_ARGS');
  });

  it("no evaluation of a batch can change another's context or the caller's object", async () => {
    const task = defineTask({
      name: 'mutator',
      params: ['i'],
      resources: {
        cpu: '({ i }, { previous }) => { try { previous.resources.memory = 99; } catch {} try { Object.getPrototypeOf(previous).x = 5; } catch {} return ({}).x === 5 ? 77 : Math.ceil(previous.resources.memory) + i; }',
        memory: 4,
      },
    });
    const previous = { resources: { ...base, memory: 3 }, reason: 'error' as const };
    const outcomes = await resolver.resolveMany(Array.from({ length: 6 }, (_, i) => ({ task, args: { i }, attempt: 2, previous })));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.cpu : o.reason.code))).toEqual([3, 4, 5, 6, 7, 8]);
    expect(previous.resources.memory).toBe(3);
  });
});
