/** The real `taskres` binary, as a user runs it. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/taskres.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'taskres-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function taskres(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Plain `node`, no flags: the launcher must add what isolated-vm needs.
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function writeJson(name: string, value: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

describe('taskres (help and usage errors)', () => {
  it('--help lists the commands', async () => {
    const { code, stdout } = await taskres('--help');
    expect(code).toBe(0);
    for (const command of ['demo', 'resolve', 'check', 'bench']) expect(stdout).toContain(command);
  });

  it('an unknown command exits 2 and names the valid ones', async () => {
    const { code, stderr } = await taskres('resolv');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'resolv'");
    expect(stderr).toContain('demo, resolve, check, bench');
  });

  it.each(['demo', 'resolve', 'check', 'bench'])('%s --help shows its usage', async (command) => {
    const { code, stdout } = await taskres(command, '--help');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: taskres ${command}`);
  });

  it('a bad flag exits 2 and says which flags are valid', async () => {
    const { code, stderr } = await taskres('resolve', 'examples/seed-tasks.json', '--formt', 'json');
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown option '--formt'/);
    expect(stderr).toContain('--format');
  });
});

describe('taskres resolve', () => {
  it('resolves a JSON spec with files from an args file', async () => {
    const { code, stdout, stderr } = await taskres('resolve', 'examples/seed-tasks.json', '--task', 'my_task', '--args', 'examples/args.json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ cpu: 2, memory: 8, storage: 0, gpu: 0 });
  });

  it('resolves a task from a TypeScript module, as a table', async () => {
    const { code, stdout } = await taskres('resolve', 'examples/seed-tasks.ts', '--task', 'my_task', '--args', 'examples/args.json', '--format', 'table');
    expect(code).toBe(0);
    expect(stdout).toContain('my_task');
    expect(stdout).toContain('memory: 8Gi');
  });

  it('exits 1 with the error code when the function fails', async () => {
    const spec = writeJson('loop.json', { name: 'loop', params: ['n'], resources: { cpu: '({ n }) => { for (;;) {} }', memory: 1 } });
    const args = writeJson('n.json', { n: 1 });
    const { code, stdout, stderr } = await taskres('resolve', spec, '--args', args, '--timeout-ms', '200');
    expect(code).toBe(1);
    expect(stderr).toContain('TASKRES_TIMEOUT');
    expect(JSON.parse(stdout).error.code).toBe('TASKRES_TIMEOUT');
  });

  it('exits 1 with TASKRES_INVALID_ARGS for arguments that do not match', async () => {
    const args = writeJson('wrong.json', { files: [] });
    const { code, stderr } = await taskres('resolve', 'examples/seed-tasks.json', '--task', 'my_task', '--args', args);
    expect(code).toBe(1);
    expect(stderr).toMatch(/TASKRES_INVALID_ARGS: .*missing 'count'/);
  });

  it('exits 2 when a required flag or the task choice is missing', async () => {
    const noArgs = await taskres('resolve', 'examples/seed-tasks.json', '--task', 'my_task');
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toContain('--args ARGS.json is required');
    const noTask = await taskres('resolve', 'examples/seed-tasks.json', '--args', 'examples/args.json');
    expect(noTask.code).toBe(2);
    expect(noTask.stderr).toContain('choose one with --task NAME');
    const unknown = await taskres('resolve', 'examples/seed-tasks.json', '--task', 'nope', '--args', 'examples/args.json');
    expect(unknown.stderr).toContain("no task named 'nope'");
  });
});

describe('taskres check', () => {
  it('reports every problem of a spec at once', async () => {
    const { code, stdout } = await taskres('check', 'examples/bad-task.json');
    expect(code).toBe(1);
    expect(stdout).toContain('✗ bad_task: 4 problems');
    for (const expected of ['TASKRES_SIGNATURE [cpu]', 'TASKRES_INVALID_SPEC [memory]', "Unknown resource option 'mem'", 'TASKRES_UNSERIALIZABLE [storage]', '`MAX_STORAGE`']) {
      expect(stdout).toContain(expected);
    }
  });

  it('passes good specs and modules', async () => {
    const json = await taskres('check', 'examples/seed-tasks.json');
    expect(json.code).toBe(0);
    expect(json.stdout).toContain('✓ my_task');
    const module = await taskres('check', 'examples/seed-tasks.ts');
    expect(module.code).toBe(0);
    expect(module.stdout).toContain('7 tasks OK');
  });

  it('reports a module whose task definitions are wrong', async () => {
    const path = join(scratch, 'broken.ts');
    writeFileSync(path, "import { customTask } from 'taskres';\nconst MAX = 4;\nexport const t = customTask({ cpu: ({ files }: { files: unknown[] }) => Math.min(MAX, files.length), memory: 2 })(function t({ files }: { files: unknown[] }) { return files; });\n");
    const { code, stderr } = await taskres('check', path);
    expect(code).toBe(1);
    expect(stderr).toMatch(/TASKRES_UNSERIALIZABLE: .*`MAX`/);
  });
});

describe('taskres demo', () => {
  it('resolves and places the seed tasks and stops the hostile functions', async () => {
    const { code, stdout } = await taskres('demo');
    expect(code).toBe(0);
    for (const expected of ['my_task', 'preset smallTask', 'preset largeGpuTask', 'customTask(4, 16)', 'allocate_cpu', 'TASKRES_TIMEOUT', 'TASKRES_MEMORY_LIMIT', '"ephemeral-storage": "15Gi"', 'Every task resolved and every hostile function was stopped.']) {
      expect(stdout).toContain(expected);
    }
  });
});

describe('taskres bench', () => {
  it('runs a quick benchmark and prints JSON with every baseline', async () => {
    const { code, stdout } = await taskres('bench', '--quick', '--json');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { scenarios: { title: string; rows: { name: string; opsPerSec: number }[] }[] };
    const names = result.scenarios.flatMap((s) => s.rows.map((r) => r.name));
    for (const expected of ['direct call (unsafe)', 'node:vm, reused context (unsafe)', 'isolated-vm, new isolate per call', 'quickjs-emscripten, reused context', 'taskres resolve, one at a time']) {
      expect(names).toContain(expected);
    }
    expect(result.scenarios.map((s) => s.title)).toContain('Allocator placements');
  }, 180_000);
});
