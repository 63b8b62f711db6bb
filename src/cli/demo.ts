/**
 * `taskres demo`: the seed's tasks (examples/seed-tasks.ts) resolved in the sandbox with real
 * sample files, placed on the default node pools, plus two hostile functions that get
 * stopped while everything else resolves.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Allocator,
  PRESETS,
  TaskFile,
  cheapestPool,
  createResolver,
  defineTask,
  nodesFromPools,
  toKubernetesResources,
  type Resources,
  type Task,
} from 'taskres';
import { runRetryDemo } from './demo-retry.js';
import { loadModuleTasks } from '../loading/modules.js';
import { json, out, safe, span, table, type Cell } from './output.js';

const GiB = 1024 ** 3;

/** How each resource of a task is decided, in words: one line each. */
function howDecided(task: Task): string[] {
  const parts: string[] = [];
  const statics: Record<string, unknown> = {};
  for (const [resource, value] of Object.entries(task.resources)) {
    if (typeof value === 'function') parts.push(`${resource} = ${value.name || 'function'}(…) in the sandbox`);
    else if (typeof value === 'string' && resource !== 'gpuType') parts.push(`${resource} = source text in the sandbox`);
    else statics[resource] = value;
  }
  const preset = Object.entries(PRESETS).find(([, p]) => p.cpu === statics.cpu && p.memory === statics.memory && p.gpu === statics.gpu);
  if (parts.length === 0) return [preset ? `preset ${preset[0]}` : `customTask(${String(statics.cpu)}, ${String(statics.memory)})`];
  return parts;
}

/** Runs the demo; returns the exit code. */
export async function runDemo(): Promise<number> {
  out(safe`taskres demo: the seed's tasks, resolved in the sandbox and placed on the default node pools\n`);
  const dir = mkdtempSync(join(tmpdir(), 'taskres-demo-'));
  // 1 s, not less: the memory bomb must reach its memory cap before its deadline on a loaded
  // machine too, or the demo would show a timeout where it means to show the memory cap.
  const DEMO_TIMEOUT_MS = 1000;
  const resolver = createResolver({ timeoutMs: DEMO_TIMEOUT_MS });
  try {
    // Sparse sample inputs: real files with real sizes, no real disk use.
    const sizes = { 'sample-1.fq': 6 * GiB, 'sample-2.fq': 3 * GiB, 'sample-3.fq': 1 * GiB };
    const files = Object.entries(sizes).map(([name, bytes]) => {
      const path = join(dir, name);
      writeFileSync(path, '');
      truncateSync(path, bytes);
      return new TaskFile(path);
    });
    out(safe`Inputs: ${files.map((f, i) => `${f.name} (${Object.values(sizes)[i]! / GiB} GiB)`).join(', ')} in ${dir}`);

    const examples = fileURLToPath(new URL('../examples/seed-tasks.ts', import.meta.url));
    const tasks = (await loadModuleTasks(examples)).map((f) => f.task);
    const argsFor = (task: Task): Record<string, unknown> => {
      const values: Record<string, unknown> = { reads: files, files, count: 3, sequence: 'MKTAYIAKQR', model: 'esm2' };
      return Object.fromEntries(task.params.map((p) => [p, values[p]]));
    };
    const hostile = [
      defineTask({ name: 'infinite_loop', params: ['files'], resources: { cpu: '({ files }) => { for (;;) {} }', memory: 1 } }),
      defineTask({ name: 'memory_bomb', params: ['files'], resources: { cpu: '({ files }) => { const keep = []; for (;;) keep.push(new Array(100000).fill(keep.length)); }', memory: 1 } }),
    ];
    const started = performance.now();
    const outcomes = await resolver.resolveMany([...tasks, ...hostile].map((task) => ({ task, args: argsFor(task) })));
    const elapsedMs = performance.now() - started;

    const allocator = new Allocator({ nodes: nodesFromPools(2) });
    const rows: Cell[][] = [];
    let dynamicResult: { task: Task; resources: Resources } | undefined;
    tasks.forEach((task, i) => {
      const outcome = outcomes[i]!;
      if (outcome.status === 'rejected') {
        rows.push([task.taskName, howDecided(task), span(5, `${outcome.reason.code}: ${outcome.reason.message}`)]);
        return;
      }
      const r = outcome.value;
      if (Object.values(task.resources).some((v) => typeof v === 'function')) dynamicResult = { task, resources: r };
      const placement = allocator.tryPlace(r);
      rows.push([task.taskName, howDecided(task), r.cpu, r.memory, r.storage, r.gpu ? `${r.gpu} ${r.gpuType ?? ''}`.trim() : 0, placement?.node ?? '(waits for room)']);
    });
    out(safe`\nResolved ${tasks.length + hostile.length} tasks in one resolveMany call (${elapsedMs.toFixed(0)} ms, most of it the infinite loop's ${DEMO_TIMEOUT_MS} ms timeout),`);
    out(safe`then placed them on two nodes of each default pool:`);
    out(table(['task', 'how it was decided', 'cpu', 'memory GiB', 'storage GiB', 'gpu', 'node'], rows));

    if (dynamicResult) {
      const { task, resources } = dynamicResult;
      out(safe`\n${task.taskName}: cpu = min(8, 3 files) = ${resources.cpu}; storage = floor(1.5 x 10 GiB) = ${resources.storage} GiB.`);
      out(safe`Cheapest node pool that fits: ${cheapestPool(resources)?.name ?? 'none'}. Kubernetes resources:`);
      out(json(toKubernetesResources(resources)));
    }

    out(safe`\nHostile resource functions, stopped while the tasks above resolved:`);
    hostile.forEach((task, i) => {
      const outcome = outcomes[tasks.length + i]!;
      out(outcome.status === 'rejected' ? safe`  ${task.taskName.padEnd(14)} ${outcome.reason.code}: ${outcome.reason.message}` : safe`  ${task.taskName.padEnd(14)} unexpectedly resolved: ${JSON.stringify(outcome.value)}`);
    });
    const stopped = hostile.every((_, i) => outcomes[tasks.length + i]!.status === 'rejected');
    const resolved = tasks.every((_, i) => outcomes[i]!.status === 'fulfilled');
    const retried = await runRetryDemo(resolver, files);
    out(resolved && stopped && retried ? safe`\nEvery task resolved and every hostile function was stopped.` : safe`\nSomething went wrong: see above.`);
    return resolved && stopped && retried ? 0 : 1;
  } finally {
    await resolver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
