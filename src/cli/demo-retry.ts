/**
 * The retry part of `taskres demo`: the loop of examples/retry-loop.ts (resolve -> place -> the
 * pod is OOMKilled -> resolve again from what happened -> place), then the refusal of a retry
 * that could only fail the same way.
 */
import { fileURLToPath } from 'node:url';
import { Allocator, failureFromPod, isTaskresError, nodesFromPools, toKubernetesResources, type Resolver, type Resources, type TaskFile } from 'taskres';
import { loadModuleTasks } from '../loading/modules.js';
import { out, safe } from './output.js';

/** A Pod as the Kubernetes API returns it after its container ran out of memory. */
function oomKilledPod(resources: Resources): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'align-7k2xq' },
    spec: { containers: [{ name: 'task', resources: toKubernetesResources(resources) }] },
    status: { phase: 'Failed', containerStatuses: [{ name: 'task', state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] },
  };
}

/** Runs the loop with `files` as the task's input; returns true when every step went as expected. */
export async function runRetryDemo(resolver: Resolver, files: TaskFile[]): Promise<boolean> {
  const example = fileURLToPath(new URL('../examples/retry-loop.ts', import.meta.url));
  const align = (await loadModuleTasks(example)).find((f) => f.name === 'align')!.task;
  const allocator = new Allocator({ nodes: nodesFromPools(1) });
  const args = { files, count: 3 };
  const show = (r: Resources) => `${r.cpu} cores, ${r.memory} GiB`;

  out(safe`\nRetries (examples/retry-loop.ts: memory x2 after an OOM, at most 64 GiB, 4 attempts):`);
  const first = await resolver.resolve(align, args);
  const placed = allocator.tryPlace(first);
  out(safe`  attempt 1: ${show(first)} on ${placed?.node ?? '(waits)'}; its pod is OOMKilled, peak 11.3 GiB`);
  if (placed) allocator.release(placed);
  const previous = { ...failureFromPod(oomKilledPod(first)), resources: first, peak: { memory: 11.3 } };
  const second = await resolver.resolve(align, args, { attempt: 2, previous });
  out(safe`  failureFromPod: '${previous.reason}'; attempt 2: ${show(second)} (ceil(11.3 x 2)) on ${allocator.tryPlace(second)?.node ?? '(waits)'}`);
  const refused = await resolver.resolve(align, args, { attempt: 3, previous: { resources: { ...second, memory: 64 }, reason: 'oom' } }).catch((error: unknown) => error);
  out(isTaskresError(refused) ? safe`  an OOM at 64 GiB: ${refused.code}` : safe`  an OOM at 64 GiB was unexpectedly retried`);
  return second.memory === 23 && isTaskresError(refused) && refused.code === 'TASKRES_RETRY_EXHAUSTED';
}
