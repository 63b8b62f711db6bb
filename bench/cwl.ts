/**
 * CWL benchmark: `npm run bench:cwl` (or `node --no-node-snapshot dist/cwl-bench.js [--jobs N]
 * [--cwltool-jobs M] [--rounds R] [--json]`). Not a test: it measures.
 *
 * A JavaScript-heavy CommandLineTool (an expressionLib and four resource expressions over three
 * File inputs) evaluated for many jobs two ways in the same run:
 * - taskres: `resolveCwlMany` over N jobs (default 2,000), R rounds after a warm-up round;
 * - cwltool: its own Python API (bench/cwl-cwltool.py: load the tool once, build each job's
 *   Builder, time `evalResources` alone) over M jobs (default 200: cwltool takes seconds per
 *   hundred), when Debian's cwltool is installed (`apt-get install cwltool`).
 * Both evaluate the same jobs first, and their values are compared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { createResolver } from '../src/index.js';
import { resolveCwlMany, type CwlResources } from '../src/cwl/index.js';

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '2000' }, 'cwltool-jobs': { type: 'string', default: '200' }, rounds: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } },
});
const JOBS = Number(values.jobs);
const CWLTOOL_JOBS = Number(values['cwltool-jobs']);
const ROUNDS = Number(values.rounds);

/** The tool: what a published alignment tool's ResourceRequirement looks like, written for it. */
const TOOL = `cwlVersion: v1.2
class: CommandLineTool
id: align-and-sort
requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        var MIB = 1048576;
        function mib(file) { return Math.ceil(file.size / MIB); }
        function total(files) { var sum = 0; for (var i = 0; i < files.length; i++) { sum += mib(files[i]); } return sum; }
        function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }
        function threadsFor(files) { return clamp(Math.ceil(total(files) / 2048), 1, 16); }
  ResourceRequirement:
    coresMin: $(threadsFor([inputs.reads_1, inputs.reads_2]))
    ramMin: |
      \${
        var index = mib(inputs.reference);
        var reads = total([inputs.reads_1, inputs.reads_2]);
        return Math.ceil(clamp(index * 1.5 + reads / 8 + 512, 1024, 65536));
      }
    tmpdirMin: $(total([inputs.reads_1, inputs.reads_2, inputs.reference]) * 2 + 1024)
    outdirMin: $(Math.ceil(total([inputs.reads_1, inputs.reads_2]) * 0.6) + 256)
inputs:
  reference: File
  reads_1: File
  reads_2: File
outputs: []
baseCommand: "true"
`;

function job(i: number): Record<string, unknown> {
  // cwltool checks that a File's location exists: a few small real files stand for the data.
  const file = (name: string, size: number) => ({ class: 'File', location: name, basename: name, size });
  return { reference: file('ref.fa', 3_200_000_000 + (i % 7) * 1_000_000), reads_1: file(`r1_${i % 3}.fq`, (i + 1) * 150_000_000), reads_2: file(`r2_${i % 3}.fq`, (i + 1) * 140_000_000) };
}

interface CwltoolRun {
  version: string;
  jobs: number;
  evalSeconds: number;
  initSeconds: number;
  results: CwlResources[];
}

function runCwltool(dir: string, toolPath: string, jobs: Record<string, unknown>[]): CwltoolRun | string {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const probe = spawnSync(python, ['-c', 'import cwltool'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'cwltool is not installed (Debian: apt-get install cwltool)';
  const jobsPath = join(dir, 'jobs.json');
  writeFileSync(jobsPath, JSON.stringify(jobs));
  const script = fileURLToPath(new URL('../bench/cwl-cwltool.py', import.meta.url));
  const run = spawnSync(python, [script, toolPath, jobsPath], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) return `cwltool failed: ${run.stderr.slice(-1000)}`;
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as CwltoolRun;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'taskres-cwl-bench-'));
  try {
    for (const name of ['ref.fa', 'r1_0.fq', 'r1_1.fq', 'r1_2.fq', 'r2_0.fq', 'r2_1.fq', 'r2_2.fq']) writeFileSync(join(dir, name), 'x\n');
    const toolPath = join(dir, 'align-and-sort.cwl');
    writeFileSync(toolPath, TOOL);
    const tool = parseYaml(TOOL) as Record<string, unknown>;
    const jobs = Array.from({ length: JOBS }, (_, i) => job(i));

    const resolver = createResolver();
    const items = jobs.map((j) => ({ tool, job: j }));
    const warm = await resolveCwlMany(resolver, items);
    const failed = warm.filter((outcome) => outcome.status === 'rejected');
    if (failed.length > 0) throw new Error(`taskres rejected ${failed.length} jobs: ${(failed[0] as { reason: Error }).reason.message}`);
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      await resolveCwlMany(resolver, items);
      rates.push(JOBS / ((performance.now() - started) / 1000));
    }
    await resolver.close();
    rates.sort((a, b) => a - b);
    const median = rates[Math.floor(rates.length / 2)]!;
    const best = rates[rates.length - 1]!;

    const cwltool = CWLTOOL_JOBS > 0 ? runCwltool(dir, toolPath, jobs.slice(0, CWLTOOL_JOBS)) : 'not asked for (--cwltool-jobs 0)';
    let cwltoolRate: number | undefined;
    let agree: boolean | undefined;
    if (typeof cwltool !== 'string') {
      cwltoolRate = cwltool.jobs / cwltool.evalSeconds;
      agree = cwltool.results.every((value, i) => JSON.stringify(value) === JSON.stringify((warm[i] as { value: CwlResources }).value));
    }
    const report = {
      jobs: JOBS,
      rounds: ROUNDS,
      taskres: { medianPerSecond: Math.round(median), bestPerSecond: Math.round(best), threads: resolver.options.threads },
      cwltool: typeof cwltool === 'string' ? { skipped: cwltool } : { version: cwltool.version, jobs: cwltool.jobs, perSecond: Math.round(cwltoolRate!), evalSeconds: cwltool.evalSeconds },
      ratio: cwltoolRate === undefined ? undefined : Math.round((median / cwltoolRate) * 10) / 10,
      sameValues: agree,
    };
    if (values.json) {
      console.log(JSON.stringify(report));
      return;
    }
    console.log(`CWL ResourceRequirement, JavaScript-heavy tool (expressionLib + 4 expressions over 3 Files), ${JOBS} jobs`);
    console.log(`  taskres resolveCwlMany: ${report.taskres.medianPerSecond.toLocaleString('en-US')} jobs/s median of ${ROUNDS} rounds (best ${report.taskres.bestPerSecond.toLocaleString('en-US')}), ${report.taskres.threads} sandbox threads`);
    if (typeof cwltool === 'string') console.log(`  cwltool: skipped: ${cwltool}`);
    else {
      console.log(`  cwltool ${cwltool.version} evalResources: ${report.cwltool && 'perSecond' in report.cwltool ? report.cwltool.perSecond : ''} jobs/s over ${cwltool.jobs} jobs (Builder construction not counted)`);
      console.log(`  ratio: ${report.ratio}x; same values for the first ${cwltool.results.length} jobs: ${agree ? 'yes' : 'NO'}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
