/**
 * Placement policies: which of the nodes that can hold a request gets it. Both score every
 * candidate on its leftover capacity, normalised per dimension so that cores, GiB and GPUs
 * weigh alike.
 */

/** How the allocator chooses among nodes that fit. */
export type PlacementPolicy = 'best-fit' | 'spread';

/** Node state the policies read, in flat arrays for speed. */
export interface NodeTable {
  totalCpu: number[];
  totalMemory: number[];
  totalStorage: number[];
  totalGpu: number[];
  freeCpu: number[];
  freeMemory: number[];
  freeStorage: number[];
  freeGpu: number[];
}

/**
 * Score of placing a request on node `i` (lower is better), or `Infinity` when it does not
 * fit. Best fit: least normalised leftover, packing nodes tightly so large requests keep
 * finding whole nodes. Spread: most leftover, keeping load even.
 */
export function score(table: NodeTable, i: number, cpu: number, memory: number, storage: number, gpu: number, policy: PlacementPolicy): number {
  const leftCpu = table.freeCpu[i]! - cpu;
  const leftMemory = table.freeMemory[i]! - memory;
  const leftStorage = table.freeStorage[i]! - storage;
  const leftGpu = table.freeGpu[i]! - gpu;
  if (leftCpu < 0 || leftMemory < 0 || leftStorage < 0 || leftGpu < 0) return Infinity;
  const leftover =
    leftCpu / (table.totalCpu[i]! || 1) +
    leftMemory / (table.totalMemory[i]! || 1) +
    leftStorage / (table.totalStorage[i]! || 1) +
    leftGpu / (table.totalGpu[i]! || 1);
  return policy === 'best-fit' ? leftover : -leftover;
}
