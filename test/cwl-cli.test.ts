/** `taskres cwl`, the real binary, with CWL files in a temp dir as a user has them. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/taskres.js', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'taskres-cwl-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function taskres(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: scratch, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function write(name: string, text: string): string {
  writeFileSync(join(scratch, name), text);
  return name;
}

// tests/dynresreq.cwl of the CWL v1.2 conformance suite, with an expressionLib from a file.
write('special_file', 'ab');
write('lib.js', 'function mib(f) { return Math.ceil(f.size / 1048576); }\n');
write(
  'dynresreq.cwl',
  `#!/usr/bin/env cwl-runner
class: CommandLineTool
cwlVersion: v1.2
requirements:
  InlineJavascriptRequirement:
    expressionLib: [ { $include: lib.js } ]
  ResourceRequirement:
      coresMin: $(inputs.special_file.size)
      coresMax: $(inputs.special_file.size)
      ramMin: $(mib(inputs.special_file) * 300)
inputs:
  special_file: File
outputs:
  output:
    type: stdout
baseCommand: echo
stdout: cores.txt
arguments: [ $(runtime.cores) ]
`,
);
write('dynresreq-job.yaml', 'special_file:\n  class: File\n  path: special_file\n');

describe('taskres cwl', () => {
  it('prints the values for a job, measuring Files from their path', async () => {
    const run = await taskres('cwl', 'dynresreq.cwl', 'dynresreq-job.yaml');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ cores: 2, ram: 300, tmpdirSize: 1024, outdirSize: 1024 });
  });

  it('prints a table with taskres units', async () => {
    const run = await taskres('cwl', 'dynresreq.cwl', 'dynresreq-job.yaml', '--format', 'table');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dynresreq.cwl');
    expect(run.stdout).toContain('2, 1, 2, 0');
  });

  it('reads JSON jobs and gives sizes as given', async () => {
    write('job.json', JSON.stringify({ special_file: { class: 'File', location: 'elsewhere', size: 5 } }));
    const run = await taskres('cwl', 'dynresreq.cwl', 'job.json');
    expect(JSON.parse(run.stdout).cores).toBe(5);
  });

  it('exits 1 with the code and a message naming the file and the field', async () => {
    write('bad.cwl', 'class: CommandLineTool\ncwlVersion: v1.1\ninputs: []\noutputs: []\nrequirements:\n  ResourceRequirement:\n    coresMin: .5\n');
    const run = await taskres('cwl', 'bad.cwl', 'job.json');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/TASKRES_CWL_INVALID: CWL tool "bad.cwl" has coresMin 0.5/);
    expect(JSON.parse(run.stdout).error.code).toBe('TASKRES_CWL_INVALID');
  });

  it('exits 1 naming a file that is not YAML', async () => {
    write('broken.cwl', 'class: [unclosed\n');
    const run = await taskres('cwl', 'broken.cwl', 'job.json');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('broken.cwl is not valid YAML');
  });

  it('resolves a requests file: one outcome per line, in order', async () => {
    write('jobs.jsonl', ['{"job":{"special_file":{"class":"File","path":"special_file"}}}', '{"job":{}}', '', 'nope', '{"job":{"special_file":{"class":"File","size":3}},"tool":"dynresreq.cwl"}'].join('\n'));
    const run = await taskres('cwl', 'dynresreq.cwl', '--requests', 'jobs.jsonl');
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => [l.line, l.status])).toEqual([[1, 'fulfilled'], [2, 'rejected'], [4, 'rejected'], [5, 'fulfilled']]);
    expect(lines[0].values.cores).toBe(2);
    expect(lines[0].resources).toEqual({ cpu: 2, memory: 1, storage: 2, gpu: 0 });
    expect(lines[1].error.code).toBe('TASKRES_FUNCTION_THREW');
    expect(lines[3].values.cores).toBe(3);
  });

  it('is a usage error without a job', async () => {
    const run = await taskres('cwl', 'dynresreq.cwl');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('JOB.yml is required');
  });

  it('escapes terminal controls from the document', async () => {
    write('evil.cwl', JSON.stringify({ class: 'CommandLineTool', cwlVersion: 'v1.2', id: 'x', inputs: [], outputs: [], requirements: { ResourceRequirement: { ['\u001b]0;pwned\u0007']: 1 } } }));
    const run = await taskres('cwl', 'evil.cwl', 'job.json');
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('\u001b');
    expect(run.stderr).toContain('\\u001b');
  });
});
