/** `taskres resolve SPEC --requests FILE.jsonl`, through the real binary. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/taskres.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'taskres-requests-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function taskres(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    child.stdin.end(stdin ?? '');
  });
}

function write(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

function jsonl(name: string, lines: unknown[]): string {
  return write(name, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
}

/** Every stdout line as JSON; fails if any line is not. */
function outcomes(stdout: string): any[] {
  const lines = stdout.split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((line) => JSON.parse(line));
}

const SPEC = write(
  'tasks.json',
  JSON.stringify([
    { name: 'sized', params: ['file'], resources: { cpu: '({ file }) => Math.max(1, file.size())', memory: 1 } },
    { name: 'scaled', params: ['n'], resources: { cpu: '({ n }) => n', memory: 2 } },
    { name: 'fixed', params: ['x'], resources: { cpu: 4, memory: 16 } },
    { name: 'thrower', params: ['n'], resources: { cpu: 1, memory: '({ n }) => { throw new Error("no memory for " + n); }' } },
  ]),
);
mkdirSync(join(scratch, 'data'));
write('data/three.bin', 'abc');

describe('taskres resolve --requests', () => {
  it('writes one outcome per line, in input order, with the line number; exit 1 when any is rejected', async () => {
    const requests = jsonl('mixed.jsonl', [
      { task: 'scaled', args: { n: 3 } },
      { task: 'fixed', args: { x: null } },
      '',
      { task: 'thrower', args: { n: 7 } },
      { task: 'sized', args: { file: { $file: 'data/three.bin' } } },
    ]);
    const { code, stdout, stderr } = await taskres(['resolve', SPEC, '--requests', requests]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(outcomes(stdout)).toEqual([
      { line: 1, status: 'fulfilled', resources: { cpu: 3, memory: 2, storage: expect.any(Number), gpu: 0 } },
      { line: 2, status: 'fulfilled', resources: { cpu: 4, memory: 16, storage: expect.any(Number), gpu: 0 } },
      {
        line: 4,
        status: 'rejected',
        error: { code: 'TASKRES_FUNCTION_THREW', message: expect.stringContaining('no memory for 7'), taskName: 'thrower', resource: 'memory' },
      },
      // The file's path is relative to the requests file, not to the working directory.
      { line: 5, status: 'fulfilled', resources: { cpu: 3, memory: 1, storage: expect.any(Number), gpu: 0 } },
    ]);
  });

  it('exits 0 when every line is fulfilled; --task names the task of lines that name none, a line’s own task wins', async () => {
    const requests = jsonl('default-task.jsonl', [{ args: { n: 2 } }, { task: 'fixed', args: { x: 1 } }, { args: { n: 5 } }]);
    const { code, stdout } = await taskres(['resolve', SPEC, '--requests', requests, '--task', 'scaled']);
    expect(code).toBe(0);
    expect(outcomes(stdout).map((o) => [o.line, o.status, o.resources.cpu])).toEqual([
      [1, 'fulfilled', 2],
      [2, 'fulfilled', 4],
      [3, 'fulfilled', 5],
    ]);
  });

  it('a malformed line is a rejected outcome for that line, never a crash, and the lines after it still resolve', async () => {
    const bad: [unknown, string][] = [
      ['{ "task": "scaled", "args": ', 'is not valid JSON'],
      ['[1, 2]', 'must be a JSON object'],
      [{ task: 'scaled', args: { n: 1 }, atempt: 2 }, "unknown key 'atempt'"],
      [{ task: 'scaled', args: [1] }, '"args" must be a JSON object'],
      [{ task: 'scaled', args: { n: 1 }, attempt: 0 }, '"attempt" must be a whole number, 1 or more'],
      [{ task: 'scaled', args: { n: 1 }, attempt: 1.5 }, '"attempt" must be a whole number'],
      [{ task: 'scaled', args: { n: 1 }, previous: 'oom' }, '"previous" must be a JSON object'],
      [{ task: 'nope', args: {} }, "names the task 'nope'"],
      [{ args: { n: 1 } }, 'names no task'],
      [{ task: 'sized', args: { file: { $file: '' } } }, 'args.file.$file must be a non-empty path'],
      [{ task: 'sized', args: { file: { $file: 'a', mode: 'r' } } }, "received also 'mode'"],
      [{ task: 'sized', args: { file: { $file: 's3://b/a', size: -1 } } }, "args.file.size must be the file's size in bytes"],
      [{ task: 'scaled', args: { m: 1 } }, "missing 'n'"],
    ];
    const requests = jsonl('malformed.jsonl', [...bad.map(([line]) => line), { task: 'scaled', args: { n: 6 } }]);
    const { code, stdout, stderr } = await taskres(['resolve', SPEC, '--requests', requests]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const got = outcomes(stdout);
    expect(got).toHaveLength(bad.length + 1);
    bad.forEach(([, message], i) => {
      expect(got[i].line).toBe(i + 1);
      expect(got[i].status).toBe('rejected');
      expect(got[i].error.code, message).toBe('TASKRES_INVALID_ARGS');
      expect(got[i].error.message).toContain(message);
    });
    expect(got.at(-1)).toEqual({ line: bad.length + 1, status: 'fulfilled', resources: { cpu: 6, memory: 2, storage: expect.any(Number), gpu: 0 } });
  });

  it('keeps input order across many chunks, with rejected lines at known places', async () => {
    const count = 2500; // several chunks of 512, two in flight at a time
    const lines = Array.from({ length: count }, (_, i) => (i % 97 === 0 ? 'garbage' : i % 2 === 0 ? { task: 'scaled', args: { n: (i % 50) + 1 } } : { task: 'fixed', args: { x: i } }));
    const requests = jsonl('many.jsonl', lines);
    const { code, stdout } = await taskres(['resolve', SPEC, '--requests', requests]);
    expect(code).toBe(1);
    const got = outcomes(stdout);
    expect(got.map((o) => o.line)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    got.forEach((outcome, i) => {
      if (i % 97 === 0) expect(outcome.status).toBe('rejected');
      else expect(outcome.resources.cpu).toBe(i % 2 === 0 ? (i % 50) + 1 : 4);
    });
  });

  it('reads standard input with --requests -, CRLF line ends included', async () => {
    const input = `${JSON.stringify({ task: 'scaled', args: { n: 2 } })}\r\n${JSON.stringify({ task: 'fixed', args: { x: 0 } })}`;
    const { code, stdout } = await taskres(['resolve', SPEC, '--requests', '-'], input);
    expect(code).toBe(0);
    expect(outcomes(stdout).map((o) => o.resources.cpu)).toEqual([2, 4]);
  });

  it('rejects a line over 1 MiB without holding it, and goes on', async () => {
    const huge = JSON.stringify({ task: 'fixed', args: { x: 'y'.repeat(1024 * 1024 + 10) } });
    const requests = jsonl('long.jsonl', [huge, { task: 'fixed', args: { x: 1 } }]);
    const { code, stdout } = await taskres(['resolve', SPEC, '--requests', requests]);
    expect(code).toBe(1);
    const [first, second] = outcomes(stdout);
    expect(first.error.code).toBe('TASKRES_INVALID_ARGS');
    expect(first.error.message).toContain(`is ${Buffer.byteLength(huge)} bytes long`);
    expect(second).toMatchObject({ line: 2, status: 'fulfilled' });
  });

  it('passes a valid retry context (attempt, previous) with the request', async () => {
    const previous = { resources: { cpu: 3, memory: 2, storage: 0, gpu: 0 }, reason: 'oom', peak: { memory: 1.9 } };
    const requests = jsonl('retry.jsonl', [{ task: 'scaled', args: { n: 3 }, attempt: 2, previous }]);
    const { code, stdout } = await taskres(['resolve', SPEC, '--requests', requests]);
    expect(code).toBe(0);
    expect(outcomes(stdout)[0]).toMatchObject({ line: 1, status: 'fulfilled', resources: { cpu: 3 } });
  });

  it('takes files of known size, { "$file": uri, "size": bytes }, without looking them up', async () => {
    const requests = jsonl('sized.jsonl', [{ task: 'sized', args: { file: { $file: 's3://bucket/reads.fq', size: 12 } } }]);
    const { code, stdout } = await taskres(['resolve', SPEC, '--requests', requests]);
    expect(outcomes(stdout)[0]).toEqual({ line: 1, status: 'fulfilled', resources: { cpu: 12, memory: 1, storage: expect.any(Number), gpu: 0 } });
    expect(code).toBe(0);
  });

  it('writes untrusted text as JSON escapes: nothing a terminal would act on reaches stdout raw', async () => {
    const evil = '\u001b]0;pwned\u0007\u009b31m\u202eevil';
    const requests = jsonl('evil.jsonl', [{ task: evil, args: {} }]);
    const { stdout } = await taskres(['resolve', SPEC, '--requests', requests]);
    expect(stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(outcomes(stdout)[0].error.message).toContain('names the task');
  });

  it('exits 2 on usage errors: --args with --requests, --format table, a missing file, an unknown --task', async () => {
    const requests = jsonl('usage.jsonl', [{ task: 'fixed', args: { x: 1 } }]);
    const both = await taskres(['resolve', SPEC, '--requests', requests, '--args', 'examples/args.json']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--args and --requests are mutually exclusive');
    const table = await taskres(['resolve', SPEC, '--requests', requests, '--format', 'table']);
    expect(table.code).toBe(2);
    expect(table.stderr).toContain('--requests writes JSON Lines');
    const missing = await taskres(['resolve', SPEC, '--requests', join(scratch, 'absent.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    expect(missing.stderr).toContain('ENOENT');
    const unknown = await taskres(['resolve', SPEC, '--requests', requests, '--task', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no task named 'nope'");
    for (const run of [both, table, missing, unknown]) expect(run.stdout).toBe('');
  });

  it('an empty requests file resolves nothing and exits 0', async () => {
    const { code, stdout } = await taskres(['resolve', SPEC, '--requests', write('empty.jsonl', '')]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
  });
});
