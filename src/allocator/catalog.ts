/**
 * Node pools: machine shapes a cluster can provide, with a relative hourly cost. The default
 * catalog holds every preset (the seed's 2/4, 32/128, 96/192, 8/32 + A10G and 31/120 + A10G)
 * plus Latch's largest memory shape, so every request within the default limits and at most
 * one GPU fits somewhere.
 */
import { TaskresError } from '../core/errors.js';
import { describeValue } from '../core/text.js';
import type { Resources } from '../core/units.js';
import { checkNode, type NodeSpec } from './node.js';

/** A machine shape: a node spec (its `name` names the pool) with a cost. */
export interface NodePool extends Omit<NodeSpec, 'pool'> {
  /** Relative cost per hour, used to choose the cheapest pool that fits. */
  costPerHour: number;
  /** Kubernetes node labels that select this pool (default: `{ 'taskres.dev/pool': name }`). */
  labels?: Record<string, string>;
}

/** The default catalog. Costs are illustrative relative units, not prices. */
export const DEFAULT_NODE_POOLS: readonly NodePool[] = Object.freeze([
  { name: 'cpu-2', cpu: 2, memory: 4, storage: 1000, gpu: 0, costPerHour: 0.1 },
  { name: 'cpu-32', cpu: 32, memory: 128, storage: 2000, gpu: 0, costPerHour: 1.6 },
  { name: 'cpu-96', cpu: 96, memory: 192, storage: 4949, gpu: 0, costPerHour: 4.6 },
  { name: 'mem-1tb', cpu: 126, memory: 975, storage: 4949, gpu: 0, costPerHour: 9.5 },
  { name: 'gpu-a10g-8', cpu: 8, memory: 32, storage: 1000, gpu: 1, gpuType: 'nvidia-a10g', costPerHour: 1.2 },
  { name: 'gpu-a10g-31', cpu: 31, memory: 120, storage: 2000, gpu: 1, gpuType: 'nvidia-a10g', costPerHour: 2.4 },
].map((pool) => Object.freeze(pool)));

/** True when a node of `pool` could hold `request` (GPU type included). */
export function poolFits(pool: NodePool, request: Resources): boolean {
  if (request.gpuType !== undefined && pool.gpuType !== request.gpuType) return false;
  return pool.cpu >= request.cpu && pool.memory >= request.memory && pool.storage >= request.storage && pool.gpu >= request.gpu;
}

/**
 * The cheapest pool whose nodes can hold `request`, or `undefined`. CPU-only requests pick
 * a GPU pool only when no CPU pool fits. Ties go to the smaller machine.
 */
export function cheapestPool(request: Resources, catalog: readonly NodePool[] = DEFAULT_NODE_POOLS): NodePool | undefined {
  const fitting = catalog.filter((pool) => poolFits(pool, request));
  const preferred = request.gpu === 0 && request.gpuType === undefined ? fitting.filter((pool) => pool.gpu === 0) : fitting;
  const candidates = preferred.length > 0 ? preferred : fitting;
  return candidates.reduce<NodePool | undefined>(
    (best, pool) => (!best || pool.costPerHour < best.costPerHour || (pool.costPerHour === best.costPerHour && pool.cpu < best.cpu) ? pool : best),
    undefined,
  );
}

/** An inventory of `count` nodes of each pool, named `<pool>-<n>`, for an {@link Allocator}. */
export function nodesFromPools(count: number, catalog: readonly NodePool[] = DEFAULT_NODE_POOLS): NodeSpec[] {
  if (!Number.isInteger(count) || count < 0) throw new TaskresError('TASKRES_INVALID_ARGS', `nodesFromPools expects a whole number of nodes per pool, received ${describeValue(count)}.`);
  return catalog.flatMap((pool) =>
    Array.from({ length: count }, (_, n) =>
      checkNode({
        name: `${pool.name}-${n + 1}`,
        cpu: pool.cpu,
        memory: pool.memory,
        storage: pool.storage,
        gpu: pool.gpu,
        ...(pool.gpuType ? { gpuType: pool.gpuType } : {}),
        pool: pool.name,
      }),
    ),
  );
}
