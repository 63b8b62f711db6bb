// examples/cwl: cwltool running CWL tools with taskres computing each job's resources
// (cwltool-taskres.py against a real `taskres serve`). Run with `npm run test:cwltool` (Node's
// test runner); it needs Debian's cwltool and installs it with apt-get when it is missing and
// this runs as root (as CI does). Not part of `npm test` (vitest runs test/**/*.test.ts only):
// a user's clone need not have cwltool.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';

const HERE = new URL('../examples/cwl/', import.meta.url).pathname;
const BIN = new URL('../bin/taskres.js', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';

function ensureCwltool() {
  if (spawnSync(PYTHON, ['-c', 'import cwltool'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('cwltool is not installed: apt-get install cwltool (Debian), then run npm run test:cwltool again');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'cwltool']]) {
    const run = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: ${run.stderr.slice(-2000)}`);
  }
}

let server;
let url;
const scratch = mkdtempSync(join(tmpdir(), 'taskres-cwltool-'));

before(async () => {
  ensureCwltool();
  server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--timeout-ms', '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: server.stdout }).once('line', resolve);
    server.once('exit', (code) => reject(new Error(`taskres serve exited with ${code}`)));
  });
  url = JSON.parse(line).listening;
  for (const name of ['align.cwl', 'align-job.yml', 'cwltool-taskres.py']) copyFileSync(join(HERE, name), join(scratch, name));
  mkdirSync(join(scratch, 'data'));
  writeFileSync(join(scratch, 'data', 'sample_1.fq'), 'A'.repeat(3_000_000));
  writeFileSync(join(scratch, 'data', 'sample_2.fq'), 'C'.repeat(1_000_000));
});

after(() => {
  server?.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
});

function cwltoolWithTaskres(...args) {
  return spawnSync(PYTHON, [join(scratch, 'cwltool-taskres.py'), '--quiet', ...args], { cwd: scratch, encoding: 'utf8', env: { ...process.env, TASKRES_URL: url }, timeout: 300_000 });
}

test('cwltool runs the job with the resources taskres computed', () => {
  const run = cwltoolWithTaskres('--outdir', join(scratch, 'out'), 'align.cwl', 'align-job.yml');
  assert.equal(run.status, 0, run.stderr);
  // cores min(4, 2 reads); ram 256 + 3.81 MiB * 1.5 = 261.7, rounded up; tmpdir ceil(3.81 * 3) + 64.
  assert.equal(readFileSync(join(scratch, 'out', 'runtime.txt'), 'utf8').trim(), '2 262 76 1024');
  assert.match(run.stderr, /taskres: \{"cores": 2, "ram": 262, "tmpdirSize": 76, "outdirSize": 1024\}/);
});

test('a tool whose expression never ends fails its job with taskres\'s timeout', () => {
  const tool = readFileSync(join(scratch, 'align.cwl'), 'utf8').replace('coresMin: $(Math.min(4, inputs.reads.length))', 'coresMin: ${ for (;;) {} }');
  writeFileSync(join(scratch, 'endless.cwl'), tool);
  const run = cwltoolWithTaskres('--outdir', join(scratch, 'out-endless'), 'endless.cwl', 'align-job.yml');
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /TASKRES_TIMEOUT/);
});

test('a value the spec forbids (negative, computed) is refused with TASKRES_CWL_INVALID, which cwltool alone lets through', () => {
  const tool = readFileSync(join(scratch, 'align.cwl'), 'utf8').replace('tmpdirMin: ${ return Math.ceil(total(inputs.reads) * 3) + 64; }', 'tmpdirMin: ${ return 64 - Math.ceil(total(inputs.reads) * 30); }');
  writeFileSync(join(scratch, 'negative.cwl'), tool);
  const run = cwltoolWithTaskres('--outdir', join(scratch, 'out-negative'), 'negative.cwl', 'align-job.yml');
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /TASKRES_CWL_INVALID: CWL tool "negative.cwl#align" has tmpdirMin -51 \(computed for this job\)/);
});
