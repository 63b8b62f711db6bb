/** Nodes of an allocator's inventory and the requests placed on them. */
import { z } from 'zod';
import { TaskresError } from '../core/errors.js';
import { formatIssues } from '../core/text.js';
import { defaultedResources, markDefaulted, type Resources } from '../core/units.js';

/** A machine (or a Kubernetes node) that requests are placed on. */
export interface NodeSpec {
  /** Unique name. */
  name: string;
  /** Whole cores. */
  cpu: number;
  /** GiB. */
  memory: number;
  /** GiB of ephemeral storage. */
  storage: number;
  /** GPU devices. */
  gpu: number;
  /** The GPU model, e.g. `'nvidia-a10g'`. */
  gpuType?: string;
  /** The node pool it belongs to. */
  pool?: string;
}

/** Capacity in the four dimensions. */
export interface Capacity {
  cpu: number;
  memory: number;
  storage: number;
  gpu: number;
}

/** A node as {@link Allocator.snapshot} reports it. */
export interface NodeSnapshot {
  name: string;
  total: Capacity;
  free: Capacity;
  gpuType?: string;
  pool?: string;
  /** True while the node drains: it takes no new placements. */
  draining: boolean;
  /** Placements currently on it. */
  placements: number;
}

/** A request placed on a node. Give it back to `release`. */
export interface Placement {
  readonly node: string;
  readonly resources: Resources;
}

const count = z.number().int().min(0).max(1_000_000_000);

const NODE_SCHEMA = z.strictObject({
  name: z.string().min(1).max(253),
  cpu: count,
  memory: count,
  storage: count,
  gpu: count,
  gpuType: z.string().min(1).max(63).optional(),
  pool: z.string().min(1).max(253).optional(),
});

const REQUEST_SCHEMA = z.object({
  cpu: count,
  memory: count,
  storage: count,
  gpu: count,
  gpuType: z.string().min(1).max(63).optional(),
});

/** Validates a node spec; throws `TASKRES_INVALID_SPEC`. */
export function checkNode(node: unknown): NodeSpec {
  const parsed = NODE_SCHEMA.safeParse(node);
  if (parsed.success) return parsed.data;
  const name = typeof (node as { name?: unknown })?.name === 'string' ? ` '${(node as { name: string }).name}'` : '';
  throw new TaskresError(
    'TASKRES_INVALID_SPEC',
    `Invalid node${name}: ${formatIssues(parsed.error.issues, { root: 'node' })}. Expected { name, cpu, memory, storage, gpu, gpuType?, pool? } with whole numbers >= 0.`,
  );
}

/** Validates a request; throws `TASKRES_INVALID_ARGS`. */
export function checkRequest(request: unknown): Resources {
  const parsed = REQUEST_SCHEMA.safeParse(request);
  // The copy keeps which values were defaults, for the messages of requests that cannot fit.
  if (parsed.success) return markDefaulted(parsed.data, defaultedResources(request));
  throw new TaskresError(
    'TASKRES_INVALID_ARGS',
    `Invalid request: ${formatIssues(parsed.error.issues, { root: 'request' })}. Expected resources as resolve() returns them: { cpu, memory, storage, gpu, gpuType? }.`,
  );
}
