import { describe, expect, it } from 'vitest';
import {
  Allocator,
  DEFAULT_NODE_POOLS,
  PRESETS,
  DEFAULT_STORAGE_GIB,
  cheapestPool,
  nodesFromPools,
  toKubernetesResources,
  toPodSpecFragment,
  type NodeSpec,
  type Placement,
  type Resources,
} from '../dist/index.js';
import { expectRejection, expectTaskresError } from './helpers/expect-error.js';

const req = (cpu: number, memory: number, storage = 0, gpu = 0, gpuType?: string): Resources => ({ cpu, memory, storage, gpu, ...(gpuType ? { gpuType } : {}) });
const node = (name: string, cpu: number, memory: number, storage = 1000, gpu = 0, gpuType?: string): NodeSpec => ({ name, cpu, memory, storage, gpu, ...(gpuType ? { gpuType } : {}) });
const freeOf = (allocator: Allocator, name: string) => allocator.snapshot().find((n) => n.name === name)?.free;
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('placement policies', () => {
  it('best fit packs the tightest node, so a big request still finds room', () => {
    const allocator = new Allocator({ nodes: [node('big', 32, 128), node('small', 4, 16)] });
    expect(allocator.tryPlace(req(2, 4))?.node).toBe('small');
    expect(allocator.tryPlace(req(30, 100))?.node).toBe('big');
  });

  it('spread puts work where most is free', () => {
    const allocator = new Allocator({ nodes: [node('a', 8, 32), node('b', 8, 32)], policy: 'spread' });
    const first = allocator.tryPlace(req(2, 4))!;
    expect(allocator.tryPlace(req(2, 4))!.node).not.toBe(first.node);
  });

  it('respects gpuType and keeps CPU-only work off GPU nodes while others have room', () => {
    const allocator = new Allocator({
      nodes: [node('gpu-a10g', 8, 32, 1000, 1, 'nvidia-a10g'), node('gpu-h100', 8, 32, 1000, 1, 'nvidia-h100'), node('cpu', 4, 8)],
    });
    expect(allocator.tryPlace(req(2, 4, 0, 1, 'nvidia-h100'))?.node).toBe('gpu-h100');
    expect(allocator.tryPlace(req(4, 8))?.node).toBe('cpu');
    // The CPU node is full now: CPU-only work may use a GPU node.
    expect(allocator.tryPlace(req(2, 4))?.node).toMatch(/^gpu-/);
    expect(allocator.tryPlace(req(1, 1, 0, 1, 'nvidia-h100'))).toBeUndefined();
  });

  it('tryPlace on a full inventory returns undefined and changes nothing', () => {
    const allocator = new Allocator({ nodes: [node('a', 2, 4)] });
    const before = allocator.snapshot();
    expect(allocator.tryPlace(req(4, 4))).toBeUndefined();
    expect(allocator.snapshot()).toEqual(before);
  });
});

describe('waiting', () => {
  it('place waits until a release makes room', async () => {
    const allocator = new Allocator({ nodes: [node('a', 4, 8)] });
    const first = allocator.tryPlace(req(4, 8))!;
    let placed: Placement | undefined;
    const waiting = allocator.place(req(2, 2)).then((p) => (placed = p));
    await settled();
    expect(placed).toBeUndefined();
    expect(allocator.waiting).toBe(1);
    expect(allocator.release(first)).toBe(true);
    await waiting;
    expect(placed?.node).toBe('a');
    expect(freeOf(allocator, 'a')).toEqual({ cpu: 2, memory: 6, storage: 1000, gpu: 0 });
  });

  it('rejects at once with TASKRES_UNSCHEDULABLE when no node could ever hold the request', async () => {
    const allocator = new Allocator({ nodes: [node('a', 4, 8), node('g', 8, 32, 1000, 1, 'nvidia-a10g')] });
    await expectRejection(allocator.place(req(16, 8)), 'TASKRES_UNSCHEDULABLE', /16 cores.*larger than every node/);
    await expectRejection(allocator.place(req(1, 1, 0, 1, 'nvidia-h100')), 'TASKRES_UNSCHEDULABLE', /GPU type 'nvidia-h100'/);
    await expectRejection(allocator.place(req(1, 1, 0, 2)), 'TASKRES_UNSCHEDULABLE');
  });

  it('a cancelled wait rejects with TASKRES_ABORTED and leaves no trace', async () => {
    const allocator = new Allocator({ nodes: [node('a', 4, 8)] });
    const first = allocator.tryPlace(req(4, 8))!;
    const controller = new AbortController();
    const cancelled = allocator.place(req(4, 8), { signal: controller.signal });
    const next = allocator.place(req(1, 1));
    controller.abort();
    await expectRejection(cancelled, 'TASKRES_ABORTED');
    expect(allocator.waiting).toBe(1);
    allocator.release(first);
    expect((await next).node).toBe('a');
    expect(freeOf(allocator, 'a')).toEqual({ cpu: 3, memory: 7, storage: 1000, gpu: 0 });
    await expectRejection(allocator.place(req(1, 1), { signal: AbortSignal.abort() }), 'TASKRES_ABORTED');
  });

  it('backfills small requests around a waiting large one without delaying it', async () => {
    const allocator = new Allocator({ nodes: [node('x', 8, 32), node('y', 8, 32)] });
    const x1 = allocator.tryPlace(req(6, 8))!;
    const y1 = allocator.tryPlace(req(7, 8))!;
    expect([x1.node, y1.node].sort()).toEqual(['x', 'y']);
    const order: string[] = [];
    const big = allocator.place(req(8, 16)).then((p) => (order.push(`big@${p.node}`), p));
    const small = allocator.place(req(1, 1)).then((p) => (order.push(`small@${p.node}`), p));
    await settled();
    // The head waits for x (closest to holding it); the small request backfills y.
    expect(order).toEqual(['small@y']);
    // A later small request cannot take x's room away from the head.
    expect(allocator.tryPlace(req(2, 2))).toBeUndefined();
    allocator.release(x1);
    expect((await big).node).toBe('x');
    expect(order).toEqual(['small@y', 'big@x']);
    await small;
  });

  it('serves waiters first in, first out when they compete for the same room', async () => {
    const allocator = new Allocator({ nodes: [node('a', 2, 4)] });
    const held = allocator.tryPlace(req(2, 4))!;
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => allocator.place(req(2, 4)).then((p) => (order.push(n), p)));
    allocator.release(held);
    const p1 = await waits[0]!;
    allocator.release(p1);
    const p2 = await waits[1]!;
    allocator.release(p2);
    await waits[2];
    expect(order).toEqual([1, 2, 3]);
  });
});

describe('inventory changes', () => {
  it('adds nodes at run time and serves waiters with them', async () => {
    const allocator = new Allocator({ nodes: [node('a', 2, 4)] });
    allocator.tryPlace(req(2, 4));
    const waiting = allocator.place(req(2, 4));
    allocator.addNode(node('b', 4, 8));
    expect((await waiting).node).toBe('b');
    expectTaskresError(() => allocator.addNode(node('b', 1, 1)), 'TASKRES_INVALID_SPEC', /already/);
  });

  it('drains a node: no new placements, removed once empty, impossible waiters rejected', async () => {
    const allocator = new Allocator({ nodes: [node('a', 4, 8), node('b', 16, 64)] });
    const onB = allocator.tryPlace(req(16, 64))!;
    const onA = allocator.tryPlace(req(1, 1))!;
    const bigWait = allocator.place(req(16, 64));
    let drained = false;
    const drain = allocator.drainNode('b').then(() => (drained = true));
    await expectRejection(bigWait, 'TASKRES_UNSCHEDULABLE', /no remaining node/);
    expect(allocator.tryPlace(req(1, 1))?.node).toBe('a');
    await settled();
    expect(drained).toBe(false);
    expect(allocator.snapshot().find((n) => n.name === 'b')?.draining).toBe(true);
    allocator.release(onB);
    await drain;
    expect(allocator.snapshot().map((n) => n.name)).toEqual(['a']);
    allocator.release(onA);
    allocator.addNode(node('b', 2, 2));
    expect(allocator.snapshot().map((n) => n.name)).toEqual(['a', 'b']);
  });

  it('never applies a release twice', () => {
    const allocator = new Allocator({ nodes: [node('a', 4, 8)] });
    const p = allocator.tryPlace(req(2, 2))!;
    expect(allocator.release(p)).toBe(true);
    expect(allocator.release(p)).toBe(false);
    expect(allocator.release({ ...p })).toBe(false);
    expect(freeOf(allocator, 'a')).toEqual({ cpu: 4, memory: 8, storage: 1000, gpu: 0 });
  });

  it('validates nodes, options and requests', () => {
    expectTaskresError(() => new Allocator({ nodes: [{ name: 'a', cpu: 1.5, memory: 1, storage: 0, gpu: 0 }] }), 'TASKRES_INVALID_SPEC', /cpu/);
    expectTaskresError(() => new Allocator({ nodes: [{ name: 'a', cpu: 1, mem: 1 } as never] }), 'TASKRES_INVALID_SPEC');
    expectTaskresError(() => new Allocator({ nodes: [], strategy: 'x' } as never), 'TASKRES_INVALID_SPEC', /'strategy'/);
    const allocator = new Allocator({ nodes: [node('a', 4, 8)] });
    expectTaskresError(() => allocator.tryPlace({ cpu: -1, memory: 1, storage: 0, gpu: 0 }), 'TASKRES_INVALID_ARGS');
  });
});

describe('randomized: invariants against a reference model', () => {
  // A small deterministic generator, so a failure names its seed.
  const rng = (seed: number) => () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };

  it('holds over thousands of random place/release/cancel sequences', async () => {
    let operations = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const random = rng(seed);
      const int = (n: number) => Math.floor(random() * n);
      const types = ['nvidia-a10g', 'nvidia-h100'];
      const nodes = Array.from({ length: 1 + int(6) }, (_, i) => {
        const gpu = random() < 0.3 ? 1 + int(4) : 0;
        return node(`n${i}`, 1 + int(16), 1 + int(64), int(500), gpu, gpu ? types[int(2)] : undefined);
      });
      const allocator = new Allocator({ nodes, policy: random() < 0.5 ? 'best-fit' : 'spread' });
      const model = new Map(nodes.map((n) => [n.name, { ...n, free: { cpu: n.cpu, memory: n.memory, storage: n.storage, gpu: n.gpu } }]));
      const live: Placement[] = [];
      const released: Placement[] = [];
      const waits: { controller: AbortController; state: 'waiting' | 'placed' | 'aborted' | 'unschedulable' }[] = [];
      const apply = (p: Placement, sign: 1 | -1) => {
        const m = model.get(p.node)!;
        if (p.resources.gpuType) expect(m.gpuType, `seed ${seed}`).toBe(p.resources.gpuType);
        for (const d of ['cpu', 'memory', 'storage', 'gpu'] as const) {
          m.free[d] -= sign * p.resources[d];
          expect(m.free[d], `seed ${seed}: ${d} over-committed on ${p.node}`).toBeGreaterThanOrEqual(0);
          expect(m.free[d]).toBeLessThanOrEqual(m[d]);
        }
      };
      const randomRequest = (): Resources => {
        const wantsGpu = random() < 0.25;
        return req(int(10), int(40), int(300), wantsGpu ? 1 + int(2) : 0, wantsGpu && random() < 0.7 ? types[int(2)] : undefined);
      };
      for (let step = 0; step < 60; step++, operations++) {
        const choice = random();
        if (choice < 0.35) {
          const r = randomRequest();
          const queueWasEmpty = allocator.waiting === 0;
          const p = allocator.tryPlace(r);
          if (p) {
            apply(p, 1);
            live.push(p);
          } else if (queueWasEmpty) {
            const fitsSomewhere = [...model.values()].some(
              (m) => (r.gpuType ? m.gpuType === r.gpuType : r.gpu === 0 || m.gpu > 0) && m.free.cpu >= r.cpu && m.free.memory >= r.memory && m.free.storage >= r.storage && m.free.gpu >= r.gpu,
            );
            expect(fitsSomewhere, `seed ${seed}: tryPlace refused a request that fits`).toBe(false);
          }
        } else if (choice < 0.55) {
          const controller = new AbortController();
          const entry = { controller, state: 'waiting' as 'waiting' | 'placed' | 'aborted' | 'unschedulable' };
          waits.push(entry);
          allocator.place(randomRequest(), { signal: controller.signal }).then(
            (p) => {
              expect(entry.state, `seed ${seed}: a settled wait resolved`).toBe('waiting');
              entry.state = 'placed';
              apply(p, 1);
              live.push(p);
            },
            (error: { code: string }) => {
              expect(['TASKRES_ABORTED', 'TASKRES_UNSCHEDULABLE']).toContain(error.code);
              entry.state = error.code === 'TASKRES_ABORTED' ? 'aborted' : 'unschedulable';
            },
          );
        } else if (choice < 0.85 && live.length > 0) {
          const [p] = live.splice(int(live.length), 1);
          expect(allocator.release(p!)).toBe(true);
          apply(p!, -1);
          released.push(p!);
        } else if (choice < 0.93 && released.length > 0) {
          expect(allocator.release(released[int(released.length)]!), `seed ${seed}: double release applied`).toBe(false);
        } else {
          const waiting = waits.filter((w) => w.state === 'waiting');
          if (waiting.length > 0) waiting[int(waiting.length)]!.controller.abort();
        }
        await settled();
        for (const snapshot of allocator.snapshot()) expect(snapshot.free, `seed ${seed}: free capacity drifted`).toEqual(model.get(snapshot.name)!.free);
      }
      for (const w of waits) if (w.state === 'waiting') w.controller.abort();
      await settled();
      for (const p of live.splice(0)) expect(allocator.release(p)).toBe(true);
      await settled();
      for (const p of live.splice(0)) expect(allocator.release(p)).toBe(true);
      expect(allocator.waiting).toBe(0);
      for (const snapshot of allocator.snapshot()) expect(snapshot.free).toEqual(snapshot.total);
    }
    expect(operations).toBe(300 * 60);
  }, 120_000);
});

describe('Kubernetes output', () => {
  it('gives requests and limits as Kubernetes quantities', () => {
    expect(toKubernetesResources({ cpu: 3, memory: 8, storage: 12, gpu: 1, gpuType: 'nvidia-a10g' })).toEqual({
      requests: { cpu: '3', memory: '8Gi', 'ephemeral-storage': '12Gi', 'nvidia.com/gpu': '1' },
      limits: { cpu: '3', memory: '8Gi', 'ephemeral-storage': '12Gi', 'nvidia.com/gpu': '1' },
    });
    expect(toKubernetesResources({ cpu: 2, memory: 4, storage: 0, gpu: 0 })).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
  });

  it('gives a pod spec fragment with the GPU toleration and the pool selector', () => {
    const pool = DEFAULT_NODE_POOLS.find((p) => p.name === 'gpu-a10g-8')!;
    expect(toPodSpecFragment({ cpu: 8, memory: 32, storage: 500, gpu: 1, gpuType: 'nvidia-a10g' }, { pool })).toEqual({
      nodeSelector: { 'taskres.dev/pool': 'gpu-a10g-8', 'taskres.dev/gpu-type': 'nvidia-a10g' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'task', resources: toKubernetesResources({ cpu: 8, memory: 32, storage: 500, gpu: 1 }) }],
    });
  });
});

describe('node-pool catalog', () => {
  it('holds every preset and picks the cheapest pool that fits', () => {
    const expected = { smallTask: 'cpu-2', mediumTask: 'cpu-32', largeTask: 'cpu-96', smallGpuTask: 'gpu-a10g-8', largeGpuTask: 'gpu-a10g-31' };
    for (const [name, preset] of Object.entries(PRESETS)) {
      const request = { cpu: preset.cpu, memory: preset.memory, storage: DEFAULT_STORAGE_GIB, gpu: preset.gpu, ...('gpuType' in preset ? { gpuType: preset.gpuType } : {}) };
      expect(cheapestPool(request)?.name, name).toBe(expected[name as keyof typeof expected]);
    }
    expect(cheapestPool(req(100, 900))?.name).toBe('mem-1tb');
    expect(cheapestPool(req(1, 1, 0, 4))).toBeUndefined();
    expect(cheapestPool(req(2, 2), [{ name: 'tiny', cpu: 2, memory: 2, storage: 10, gpu: 0, costPerHour: 0.01 }])?.name).toBe('tiny');
  });

  it('builds an inventory from pools that places every preset', () => {
    const allocator = new Allocator({ nodes: nodesFromPools(1) });
    for (const preset of Object.values(PRESETS)) {
      const request = { cpu: preset.cpu, memory: preset.memory, storage: DEFAULT_STORAGE_GIB, gpu: preset.gpu, ...('gpuType' in preset ? { gpuType: preset.gpuType } : {}) };
      expect(allocator.tryPlace(request)).toBeDefined();
    }
  });
});
