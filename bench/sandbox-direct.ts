// The sandbox worker's cost per evaluation, without the resolver, the sandbox process or the
// machine's other threads in the way (run it with --no-node-snapshot, as the sandbox process runs): one Sandbox, in this thread, runs batches of small
// jobs (one evaluation each, as resolveMany's) and reports this thread's CPU µs per
// evaluation (median of rounds). Bundle it per tree with esbuild to compare two trees:
// `node --no-node-snapshot OUT.mjs [rounds=7] [jobs per batch=1000] [distinct]`, built with
//   npx esbuild bench/sandbox-direct.ts --bundle --platform=node --format=esm --outfile=OUT.mjs --packages=external
import { randomInt } from 'node:crypto';
import { Sandbox } from '../src/sandbox-worker/isolate-host.js';
import { FileSizes } from '../src/sandbox-worker/file-sizes.js';
import { encodeBatch, type BatchJob } from '../src/protocol/batch-codec.js';
import type { BatchMeta } from '../src/protocol/batch-codec.js';

const rounds = Number(process.argv[2] ?? '7');
const jobsPerBatch = Number(process.argv[3] ?? '1000');
const CPU = 'function allocateCpu({ files, ...kwargs }) { return Math.min(8, files.length); }';
const dynamics = [{ source: CPU, binding: { style: 'object' as const, names: ['files'], rest: true } }];
// 'distinct': every job names its own two files (no file entry is shared between jobs).
const distinct = process.argv[4] === 'distinct';
const job = (j: number): BatchJob => {
  const [a, b] = distinct ? [2 * j, 2 * j + 1] : [0, 1];
  return {
    dynamics,
    args: { files: [`/tmp/x/f${a}.fq`, `f${a}.fq`, 1024, `/tmp/x/f${b}.fq`, `f${b}.fq`, 2048], paramsJson: '{"files":[{"$file":0},{"$file":1}],"count":3}' },
  };
};
const sandbox = new Sandbox({
  timeoutMs: 1000,
  memoryLimitMiB: 32,
  capacity: jobsPerBatch,
  sizes: new FileSizes('local', undefined),
  onCall: () => {},
  onCatastrophicError: () => {},
});
const batch = encodeBatch(Array.from({ length: jobsPerBatch }, (_, j) => job(j)));
const perEvaluation: number[] = [];
for (let r = 0; r <= rounds; r++) {
  const cpu = process.cpuUsage();
  const batches = Math.ceil(20_000 / jobsPerBatch);
  for (let b = 0; b < batches; b++) {
    const result = sandbox.runBatch(JSON.parse(batch.meta) as BatchMeta, batch.payload, randomInt(2 ** 31));
    if (result.retryAlone || result.failures.length > 0) throw new Error(JSON.stringify(result.failures[0]));
  }
  const used = process.cpuUsage(cpu);
  if (r > 0) perEvaluation.push((used.user + used.system) / (batches * jobsPerBatch));
}
perEvaluation.sort((a, b) => a - b);
console.log(`CPU µs per evaluation: median ${perEvaluation[Math.floor(perEvaluation.length / 2)]!.toFixed(2)} (${perEvaluation.map((x) => x.toFixed(2)).join(', ')})`);
sandbox.dispose();
