/**
 * Cold start as a user meets it: a new Node process (the one running the benchmark, or the
 * one `--cold-node PATH` names, e.g. Node 24) imports the built library, defines the
 * scheduler's task, creates a resolver and awaits its first result. Reported: from the
 * process's start (Node's own boot included) and from `createResolver` to the first result.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile, type Row, type Scenario } from './harness.js';
import { spread } from './patterns.js';

const SCRIPT = `
const importStart = performance.now();
const { createResolver, customTask, TaskFile } = await import(process.env.TASKRES_BENCH_INDEX);
const imported = performance.now();
const task = customTask({ cpu: function allocate_cpu({ files }) { return Math.min(8, files.length); }, memory: 8 })(function my_task({ files, count }) { return files.length * count; });
const created = performance.now();
const resolver = createResolver();
const resources = await resolver.resolve(task, { files: [new TaskFile('/data/a.fq'), new TaskFile('/data/b.fq')], count: 1 });
const first = performance.now();
if (resources.cpu !== 2) throw new Error('wrong result ' + JSON.stringify(resources));
process.stdout.write(JSON.stringify({ bootMs: importStart, importMs: imported - importStart, createToFirstMs: first - created, processToFirstMs: first }) + '\\n');
await resolver.close();
`;

interface Sample {
  bootMs: number;
  importMs: number;
  createToFirstMs: number;
  processToFirstMs: number;
  spawnToFirstMs: number;
}

function once(node: string, index: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(node, ['--input-type=module', '-e', SCRIPT], { env: { ...process.env, TASKRES_BENCH_INDEX: index }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let firstAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      if (firstAt === 0 && out.includes('\n')) firstAt = performance.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('exit', (code) => {
      if (code !== 0 || firstAt === 0) return reject(new Error(`cold start child exited with ${code}: ${err.slice(0, 500)}`));
      resolve({ ...(JSON.parse(out) as Omit<Sample, 'spawnToFirstMs'>), spawnToFirstMs: firstAt - t });
    });
  });
}

/** `runs` cold starts in new processes of `node`. */
export async function coldStartScenario(runs: number, node = process.execPath): Promise<Scenario> {
  const index = new URL('../dist/index.js', import.meta.url).href;
  const version = await new Promise<string>((resolve) => {
    const child = spawn(node, ['-p', 'process.version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.on('exit', () => resolve(out.trim()));
  });
  await once(node, index); // the OS's file cache, and Node's compile cache where it is on
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(node, index));
  const line = (name: string, pick: (s: Sample) => number): Row => {
    const values = samples.map(pick).sort((a, b) => a - b);
    return { name, opsPerSec: NaN, p50Us: percentile(values, 50) * 1000, p99Us: values[values.length - 1]! * 1000, peakRssMiB: NaN, note: `ms ${spread(values, 1)}` };
  };
  return {
    title: `Cold start in a new process, Node ${version} (${fileURLToPath(new URL('file://' + node)).split('/').slice(-4).join('/')}), ${runs} starts (p99 column: slowest)`,
    latencyUnit: 'per start',
    rows: [
      line('createResolver to first result', (s) => s.createToFirstMs),
      line('process start to first result', (s) => s.processToFirstMs),
      line('  of which Node boot (to the first line of the script)', (s) => s.bootMs),
      line('  of which import of the library', (s) => s.importMs),
      line('spawn to first result (seen by the parent)', (s) => s.spawnToFirstMs),
    ],
  };
}
