/**
 * The retry loop of a scheduler: resolve -> place -> the pod fails (OOMKilled) -> resolve again
 * with what happened -> place. Run it with `npx tsx examples/retry-loop.ts` (after `npm run
 * build`), or resolve one step with the CLI:
 * `taskres resolve examples/retry-loop.ts --args examples/args.json --attempt 2 --previous examples/previous-oom.json`.
 */
import { pathToFileURL } from 'node:url';
import { Allocator, TaskFile, createResolver, customTask, failureFromPod, nodesFromPools, toKubernetesResources, type SandboxFile } from 'taskres';

/**
 * Memory from the input size (1 GiB per GiB of reads, at least 4); after an OOM, twice what the
 * last attempt used or peaked at, up to 64 GiB; at most 4 attempts.
 */
export const align = customTask({
  cpu: ({ files }: { files: SandboxFile[] }) => Math.min(8, files.length * 2),
  memory: ({ files }: { files: SandboxFile[] }) => Math.max(4, Math.ceil(files.reduce((total, f) => total + f.size(), 0) / 1024 ** 3)),
  storage: 50,
  retry: { memory: { factor: 2, max: 64 }, maxAttempts: 4 },
})(function align({ files, count }: { files: TaskFile[]; count: number }) {
  return files.length * count;
});

/** What the Kubernetes API returns for the first attempt's pod: its container was OOMKilled. */
export function oomKilledPod(resources: ReturnType<typeof toKubernetesResources>): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'align-7k2xq', namespace: 'batch' },
    spec: { containers: [{ name: 'task', image: 'aligner:1.4', resources }] },
    status: {
      phase: 'Failed',
      containerStatuses: [
        {
          name: 'task',
          ready: false,
          restartCount: 0,
          image: 'aligner:1.4',
          state: { terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: '2026-11-27T10:00:00Z', finishedAt: '2026-11-27T10:41:00Z' } },
        },
      ],
    },
  };
}

/** The loop, printed step by step. */
export async function main(): Promise<void> {
  const resolver = createResolver();
  const allocator = new Allocator({ nodes: nodesFromPools(1) });
  const args = { files: [new TaskFile(new URL('./data/sample-1.fq', import.meta.url)), new TaskFile(new URL('./data/sample-2.fq', import.meta.url))], count: 3 };
  try {
    const first = await resolver.resolve(align, args);
    const placed = allocator.tryPlace(first);
    console.log('attempt 1:', first, 'on', placed?.node);
    // ... the pod runs on that node and is OOMKilled; the scheduler reads why from the API:
    if (placed) allocator.release(placed);
    const previous = { ...failureFromPod(oomKilledPod(toKubernetesResources(first))), resources: first, peak: { memory: 4.6 } };
    console.log('failure:', previous.reason);
    const second = await resolver.resolve(align, args, { attempt: 2, previous });
    console.log('attempt 2:', second, 'on', allocator.tryPlace(second)?.node);
  } finally {
    await resolver.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
