/**
 * The allocator: places resolved requests on an inventory of nodes, synchronously, with no
 * timers and no I/O. Requests that do not fit wait in a FIFO queue. When the head of the
 * queue cannot be placed, one node is reserved for it (the one closest to holding it) and
 * later requests may backfill only the other nodes: small requests keep flowing, and the
 * head is never delayed by them, only by releases on its own reserved node.
 */
import { TaskresError } from '../core/errors.js';
import { DEFAULT_STORAGE_GIB, defaultedResources, type Resources } from '../core/units.js';
import { checkNode, checkRequest, type NodeSnapshot, type NodeSpec, type Placement } from './node.js';
import { score, type NodeTable, type PlacementPolicy } from './policy.js';

/** Options of an {@link Allocator}. */
export interface AllocatorOptions {
  /** The inventory. More can be added with `addNode`. */
  nodes: NodeSpec[];
  /** `'best-fit'` (default): pack tightly; `'spread'`: keep load even. */
  policy?: PlacementPolicy;
}

/** Options of {@link Allocator.place}. */
export interface PlaceOptions {
  /** Cancels the wait: the promise rejects with `TASKRES_ABORTED` and the request leaves no trace. */
  signal?: AbortSignal;
}

interface Waiter {
  request: Resources;
  resolve(placement: Placement): void;
  reject(error: TaskresError): void;
  detach(): void;
}

interface Record {
  node: number;
  released: boolean;
}

/** Places requests on nodes; see the module comment for the queueing rules. */
export class Allocator {
  private readonly table: NodeTable = {
    totalCpu: [], totalMemory: [], totalStorage: [], totalGpu: [],
    freeCpu: [], freeMemory: [], freeStorage: [], freeGpu: [],
  };
  private readonly names: string[] = [];
  private readonly gpuTypes: (string | undefined)[] = [];
  private readonly pools: (string | undefined)[] = [];
  private readonly usable: boolean[] = [];
  private readonly removed: boolean[] = [];
  private readonly placementCounts: number[] = [];
  private readonly byName = new Map<string, number>();
  private readonly records = new WeakMap<Placement, Record>();
  private readonly drainWaiters = new Map<number, (() => void)[]>();
  private readonly queue: Waiter[] = [];
  private readonly policy: PlacementPolicy;

  constructor(options: AllocatorOptions) {
    if (typeof options !== 'object' || options === null || !Array.isArray(options.nodes)) {
      throw new TaskresError('TASKRES_INVALID_SPEC', 'Allocator expects { nodes: [{ name, cpu, memory, storage, gpu }, ...], policy? }.');
    }
    const unknown = Object.keys(options).filter((key) => key !== 'nodes' && key !== 'policy');
    if (unknown.length > 0) throw new TaskresError('TASKRES_INVALID_SPEC', `Unknown Allocator option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; valid: nodes, policy.`);
    if (options.policy !== undefined && options.policy !== 'best-fit' && options.policy !== 'spread') {
      throw new TaskresError('TASKRES_INVALID_SPEC', `Allocator policy must be 'best-fit' or 'spread', received ${JSON.stringify(options.policy)}.`);
    }
    this.policy = options.policy ?? 'best-fit';
    for (const node of options.nodes) this.addNode(node);
  }

  /** Requests waiting in `place`. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Places `request` now if a node has room, else returns `undefined`. While requests wait,
   * it only uses nodes that the head of the queue is not waiting for.
   */
  tryPlace(request: Resources): Placement | undefined {
    const checked = checkRequest(request);
    const reserved = this.queue.length > 0 ? this.reserveFor(this.queue[0]!.request) : -1;
    return this.placeNow(checked, reserved);
  }

  /**
   * Places `request`, waiting until it fits. Rejects at once with `TASKRES_UNSCHEDULABLE`
   * when no node could ever hold it, and with `TASKRES_ABORTED` when `signal` aborts.
   */
  place(request: Resources, options: PlaceOptions = {}): Promise<Placement> {
    let checked: Resources;
    try {
      checked = checkRequest(request);
      this.assertSchedulable(checked);
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(aborted());
    // With others waiting, it may still backfill the nodes not reserved for the head.
    const reserved = this.queue.length > 0 ? this.reserveFor(this.queue[0]!.request) : -1;
    const placement = this.placeNow(checked, reserved);
    if (placement) return Promise.resolve(placement);
    return new Promise<Placement>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index < 0) return;
        this.queue.splice(index, 1);
        reject(aborted());
        // The head may have changed: others might fit now.
        this.drainQueue();
      };
      const waiter: Waiter = {
        request: checked,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Gives a placement's resources back. Returns false (and changes nothing) if it was already released or is not from this allocator. */
  release(placement: Placement): boolean {
    const record = this.records.get(placement);
    if (!record || record.released) return false;
    record.released = true;
    const i = record.node;
    const r = placement.resources;
    this.table.freeCpu[i]! += r.cpu;
    this.table.freeMemory[i]! += r.memory;
    this.table.freeStorage[i]! += r.storage;
    this.table.freeGpu[i]! += r.gpu;
    this.placementCounts[i]!--;
    if (!this.usable[i] && this.placementCounts[i] === 0) this.remove(i);
    this.drainQueue();
    return true;
  }

  /** Adds a node to the inventory (a name may be reused once its old node is removed). */
  addNode(node: NodeSpec): void {
    const spec = checkNode(node);
    if (this.byName.has(spec.name)) throw new TaskresError('TASKRES_INVALID_SPEC', `A node named '${spec.name}' is already in the inventory.`);
    const i = this.names.length;
    this.byName.set(spec.name, i);
    this.names.push(spec.name);
    this.gpuTypes.push(spec.gpuType);
    this.pools.push(spec.pool);
    this.usable.push(true);
    this.removed.push(false);
    this.placementCounts.push(0);
    const t = this.table;
    t.totalCpu.push(spec.cpu);
    t.totalMemory.push(spec.memory);
    t.totalStorage.push(spec.storage);
    t.totalGpu.push(spec.gpu);
    t.freeCpu.push(spec.cpu);
    t.freeMemory.push(spec.memory);
    t.freeStorage.push(spec.storage);
    t.freeGpu.push(spec.gpu);
    this.drainQueue();
  }

  /**
   * Drains a node: it takes no new placements and leaves the inventory once its placements
   * are released (the promise resolves then). Waiting requests that no remaining node could
   * ever hold are rejected with `TASKRES_UNSCHEDULABLE`.
   */
  drainNode(name: string): Promise<void> {
    const i = this.byName.get(name);
    if (i === undefined) return Promise.reject(new TaskresError('TASKRES_INVALID_ARGS', `No node named '${String(name).slice(0, 100)}' in the inventory.`));
    this.usable[i] = false;
    const done = new Promise<void>((resolve) => {
      const list = this.drainWaiters.get(i) ?? [];
      list.push(resolve);
      this.drainWaiters.set(i, list);
    });
    if (this.placementCounts[i] === 0) this.remove(i);
    this.drainQueue();
    return done;
  }

  /** Every node with its total and free capacity. */
  snapshot(): NodeSnapshot[] {
    const t = this.table;
    const nodes: NodeSnapshot[] = [];
    for (let i = 0; i < this.names.length; i++) {
      if (this.removed[i]) continue;
      nodes.push({
        name: this.names[i]!,
        total: { cpu: t.totalCpu[i]!, memory: t.totalMemory[i]!, storage: t.totalStorage[i]!, gpu: t.totalGpu[i]! },
        free: { cpu: t.freeCpu[i]!, memory: t.freeMemory[i]!, storage: t.freeStorage[i]!, gpu: t.freeGpu[i]! },
        ...(this.gpuTypes[i] ? { gpuType: this.gpuTypes[i] } : {}),
        ...(this.pools[i] ? { pool: this.pools[i] } : {}),
        draining: !this.usable[i],
        placements: this.placementCounts[i]!,
      });
    }
    return nodes;
  }

  /** Places the queue's head while it fits, then backfills around a reservation for it. */
  private drainQueue(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!this.couldEverHold(head.request)) {
        this.queue.shift();
        head.detach();
        head.reject(unschedulable(head.request, 'no remaining node could ever hold it'));
        continue;
      }
      const placement = this.placeNow(head.request, -1);
      if (placement) {
        this.queue.shift();
        head.detach();
        head.resolve(placement);
        continue;
      }
      const reserved = this.reserveFor(head.request);
      for (let k = 1; k < this.queue.length; k++) {
        const waiter = this.queue[k]!;
        if (!this.couldEverHold(waiter.request)) {
          this.queue.splice(k--, 1);
          waiter.detach();
          waiter.reject(unschedulable(waiter.request, 'no remaining node could ever hold it'));
          continue;
        }
        const backfill = this.placeNow(waiter.request, reserved);
        if (backfill) {
          this.queue.splice(k--, 1);
          waiter.detach();
          waiter.resolve(backfill);
        }
      }
      return;
    }
  }

  private placeNow(r: Resources, excluded: number): Placement | undefined {
    const i = this.bestNode(r, excluded);
    if (i < 0) return undefined;
    const t = this.table;
    t.freeCpu[i]! -= r.cpu;
    t.freeMemory[i]! -= r.memory;
    t.freeStorage[i]! -= r.storage;
    t.freeGpu[i]! -= r.gpu;
    this.placementCounts[i]!++;
    const placement: Placement = Object.freeze({ node: this.names[i]!, resources: Object.freeze({ ...r }) });
    this.records.set(placement, { node: i, released: false });
    return placement;
  }

  /** The node the policy picks for `r`, or -1. CPU-only requests try non-GPU nodes first. */
  private bestNode(r: Resources, excluded: number): number {
    const cpuOnly = r.gpu === 0 && r.gpuType === undefined;
    const first = this.scan(r, excluded, cpuOnly ? 'no-gpu' : 'gpu');
    if (first >= 0 || !cpuOnly) return first;
    return this.scan(r, excluded, 'gpu');
  }

  private scan(r: Resources, excluded: number, kind: 'no-gpu' | 'gpu'): number {
    let best = -1;
    let bestScore = Infinity;
    const t = this.table;
    for (let i = 0; i < this.names.length; i++) {
      if (!this.usable[i] || i === excluded || !this.eligible(r, i, kind)) continue;
      const s = score(t, i, r.cpu, r.memory, r.storage, r.gpu, this.policy);
      if (s < bestScore) {
        bestScore = s;
        best = i;
      }
    }
    return best;
  }

  private eligible(r: Resources, i: number, kind: 'no-gpu' | 'gpu'): boolean {
    if (r.gpuType !== undefined) return this.gpuTypes[i] === r.gpuType;
    return kind === 'no-gpu' ? this.table.totalGpu[i] === 0 : r.gpu === 0 || this.table.totalGpu[i]! > 0;
  }

  private fitsTotal(r: Resources, i: number): boolean {
    const t = this.table;
    return t.totalCpu[i]! >= r.cpu && t.totalMemory[i]! >= r.memory && t.totalStorage[i]! >= r.storage && t.totalGpu[i]! >= r.gpu;
  }

  private couldEverHold(r: Resources): boolean {
    for (let i = 0; i < this.names.length; i++) {
      if (this.usable[i] && (r.gpuType === undefined || this.gpuTypes[i] === r.gpuType) && this.fitsTotal(r, i)) return true;
    }
    return false;
  }

  private assertSchedulable(r: Resources): void {
    if (this.couldEverHold(r)) return;
    const typed = r.gpuType !== undefined && !this.gpuTypes.some((type, i) => type === r.gpuType && this.usable[i]);
    throw unschedulable(r, typed ? `no node has GPU type '${r.gpuType}'` : 'it is larger than every node in the inventory');
  }

  /** The node closest to holding `r` (least normalised shortfall), reserved for it. */
  private reserveFor(r: Resources): number {
    const t = this.table;
    let best = -1;
    let bestShortfall = Infinity;
    for (let i = 0; i < this.names.length; i++) {
      if (!this.usable[i] || (r.gpuType !== undefined && this.gpuTypes[i] !== r.gpuType) || !this.fitsTotal(r, i)) continue;
      const shortfall =
        Math.max(0, r.cpu - t.freeCpu[i]!) / (t.totalCpu[i]! || 1) +
        Math.max(0, r.memory - t.freeMemory[i]!) / (t.totalMemory[i]! || 1) +
        Math.max(0, r.storage - t.freeStorage[i]!) / (t.totalStorage[i]! || 1) +
        Math.max(0, r.gpu - t.freeGpu[i]!) / (t.totalGpu[i]! || 1);
      if (shortfall < bestShortfall) {
        bestShortfall = shortfall;
        best = i;
      }
    }
    return best;
  }

  private remove(i: number): void {
    this.removed[i] = true;
    this.usable[i] = false;
    this.byName.delete(this.names[i]!);
    for (const resolve of this.drainWaiters.get(i) ?? []) resolve();
    this.drainWaiters.delete(i);
  }
}

function aborted(): TaskresError {
  return new TaskresError('TASKRES_ABORTED', 'The wait for a placement was cancelled through its signal.');
}

function unschedulable(r: Resources, why: string): TaskresError {
  const gpu = r.gpu > 0 ? `, ${r.gpu} GPU${r.gpuType ? ` ${r.gpuType}` : ''}` : r.gpuType ? `, GPU type ${r.gpuType}` : '';
  return new TaskresError(
    'TASKRES_UNSCHEDULABLE',
    `No node can ever hold ${r.cpu} cores, ${r.memory} GiB memory, ${r.storage} GiB storage${gpu}: ${why}.${defaultsNote(r)} Add a larger node (addNode) or lower the request.`,
  );
}

/**
 * Which values of an unschedulable request were defaults the task never declared, and how to
 * declare them: a preset's storage is 500 GiB whatever the task does, and nothing else would
 * say where that number came from.
 */
function defaultsNote(r: Resources): string {
  if (!defaultedResources(r).includes('storage') || r.storage === 0) return '';
  const latch = r.storage === DEFAULT_STORAGE_GIB ? " (Latch's default)" : '';
  return ` The ${r.storage} GiB of storage is the default${latch} for a task that declares no storage: declare what it needs (customTask({ cpu, memory, storage: 50 }), or "storage": 50 in a spec's resources), or give the resolver another default with createResolver({ defaultStorageGiB }) (0 requests none).`;
}
