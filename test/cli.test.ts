/** The real `taskres` binary, as a user runs it. */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/taskres.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'taskres-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The bytes as written, for assertions on what reaches a terminal. */
  raw: { stdout: Buffer; stderr: Buffer };
}

function taskres(...args: string[]): Promise<Run> {
  return run(BIN, args);
}

function run(bin: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    // Plain `node`, no flags: the sandbox process gets what isolated-vm needs from the resolver.
    execFile(process.execPath, [bin, ...args], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024, encoding: 'buffer' }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), raw: { stdout, stderr } });
    });
  });
}

/**
 * Fails on any byte or character a terminal would act on rather than show: C0 controls but the
 * newline, DEL, C1 controls (raw or UTF-8 encoded), bidi controls; and on invalid UTF-8.
 */
function expectNothingRaw(bytes: Buffer): void {
  const text = bytes.toString('utf8');
  expect(Buffer.from(text, 'utf8').equals(bytes), 'output is valid UTF-8').toBe(true);
  const raw = [...bytes].filter((b) => (b < 0x20 && b !== 0x0a) || b === 0x7f);
  expect(raw, 'raw C0 control bytes or DEL').toEqual([]);
  const controls = [...text].filter((c) => /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(c));
  expect(controls.map((c) => c.codePointAt(0)!.toString(16)), 'C1 or bidi controls').toEqual([]);
}

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toContain('node:internal');
}

/** An attacker's text: sets the window title, erases the line, returns the cursor, draws a fake ✓, reorders. */
const EVIL = '\u001b]0;pwned\u0007\u001b[2K\r\u2713 all good \u009b31m \u202eevil\u2066';

/** What the CLI must show instead: every control as a visible escape. */
const EVIL_SHOWN = '\\x1b]0;pwned\\x07\\x1b[2K\\r\u2713 all good \\x9b31m \\u202eevil\\u2066';
const ESCAPED = ['\\x1b]0;pwned\\x07', '\\x1b[2K\\r', '\\x9b31m', '\\u202eevil\\u2066'];

function writeJson(name: string, value: unknown): string {
  return writeText(name, JSON.stringify(value));
}

function writeText(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
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
    expect(stderr).toContain("unknown command 'resolv' (did you mean 'resolve'?)");
    expect(stderr).toContain('demo, resolve, check, bench');
  });

  it.each(['demo', 'resolve', 'check', 'bench', 'doctor'])('%s --help shows its usage and what every option does', async (command) => {
    const { code, stdout } = await taskres(command, '--help');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: taskres ${command}`);
    const optionLines = stdout.slice(stdout.indexOf('Options:')).split('\n').filter((line) => line.startsWith('  --'));
    expect(optionLines.length).toBeGreaterThan(0);
    for (const line of optionLines) expect(line, line).toMatch(/^ {2}--\S+(, -\w)?( VALUE)? {2,}\S/);
  });

  it('a mistyped flag exits 2, suggests the closest one and lists the valid ones', async () => {
    const { code, stderr } = await taskres('resolve', 'examples/seed-tasks.json', '--formt', 'json');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--formt' (did you mean --format?)");
    expect(stderr).toContain('Valid options: --help, --args, --task, --format, --timeout-ms, --default-storage-gib, --attempt, --previous, --requests.');
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
    const { code, stdout } = await taskres('check', path);
    expect(code).toBe(1);
    expect(stdout).toContain('✗ t: 1 problem');
    expect(stdout).toMatch(/ {2}TASKRES_UNSERIALIZABLE \[cpu\]: .*`MAX`/);
  });

  describe('a module with several bad tasks', () => {
    // Each form a module can define a task in, with problems the library throws on import.
    const source = `import { TaskFile, customTask, defineTask, smallTask } from 'taskres';
const MAX = 4;
export const good = smallTask(function good({ n }: { n: number }) { return n; });
export const several = customTask({ cpu: ({ files }: { files: unknown[] }) => Math.min(MAX, files.length), memory: 2000, mem: 3 } as never)(function several({ files }: { files: unknown[] }) { return files; });
export const signature = customTask({ cpu: ({ count }: { count: number }) => count, memory: 2, storage: -1 })(function signature({ files }: { files: TaskFile[] }) { return files; });
export const arity = customTask(4, 8, 9 as never)(function arity() { return 1; });
export const spec = defineTask({ name: 'spec', params: ['x'], resources: { cpu: '({ y }) => y', memory: 1.5 } });
export class Pipeline {
  @customTask({ cpu: (n: number) => n, memory: 1, gpu: 99 })
  decorated({ files }: { files: TaskFile[] }) { return files; }
}
export const last = customTask(2, 4)(function last() { return 1; });
`;

    it('check reports every problem of every task, each with its task, resource, code and message', async () => {
      const path = writeText('several.ts', source);
      const { code, stdout, stderr } = await taskres('check', path);
      expect(stderr).toBe('');
      expect(code).toBe(1);
      const lines = stdout.trimEnd().split('\n');
      const blocks = new Map<string, string[]>();
      let current: string[] = [];
      for (const line of lines.slice(0, -1)) {
        if (line.startsWith('  ')) current.push(line.trim());
        else blocks.set(line, (current = []));
      }
      expect([...blocks.keys()]).toEqual(['✓ good', '✗ several: 3 problems', '✗ signature: 2 problems', '✗ arity: 1 problem', '✗ spec: 2 problems', '✗ decorated: 2 problems', '✓ last']);
      const codes = (header: string) => blocks.get(header)!.map((line) => line.slice(0, line.indexOf(':')));
      expect(codes('✗ several: 3 problems')).toEqual(['TASKRES_INVALID_SPEC', 'TASKRES_UNSERIALIZABLE [cpu]', 'TASKRES_INVALID_SPEC [memory]']);
      expect(codes('✗ signature: 2 problems')).toEqual(['TASKRES_SIGNATURE [cpu]', 'TASKRES_INVALID_SPEC [storage]']);
      expect(codes('✗ arity: 1 problem')).toEqual(['TASKRES_INVALID_SPEC']);
      expect(codes('✗ spec: 2 problems')).toEqual(['TASKRES_SIGNATURE [cpu]', 'TASKRES_INVALID_SPEC [memory]']);
      expect(codes('✗ decorated: 2 problems')).toEqual(['TASKRES_SIGNATURE [cpu]', 'TASKRES_INVALID_SPEC [gpu]']);
      // The messages are the library's own, naming the task.
      expect(blocks.get('✗ several: 3 problems')!.join('\n')).toMatch(/Unknown resource option 'mem' in task 'several'.*\n.*`MAX`.*\n.*memory of task 'several': .*received 2000/);
      expect(blocks.get('✗ signature: 2 problems')![0]).toContain("names 'count', which is not in the task signature (files)");
      expect(blocks.get('✗ arity: 1 problem')![0]).toContain('customTask(cpu, memory) takes two numbers, received 3 arguments');
      expect(lines.at(-1)).toBe(`${path}: 10 problems in 5 of 7 task definitions`);
    });

    it('resolve --task of a good task works beside the bad ones; the bad task reports its own first problem', async () => {
      const path = writeText('several-resolve.ts', source);
      const good = await taskres('resolve', path, '--task', 'last', '--args', writeJson('no-args.json', {}));
      expect(good.stderr).toBe('');
      expect(JSON.parse(good.stdout)).toEqual({ cpu: 2, memory: 4, storage: 500, gpu: 0 });
      const { code, stderr } = await taskres('resolve', path, '--task', 'several', '--args', writeJson('several-args.json', { n: 1 }));
      expect(code).toBe(1);
      expect(stderr).toMatch(/^taskres resolve: TASKRES_INVALID_SPEC: Unknown resource option 'mem' in task 'several'/);
    });

    it('reports the problems found before a module throws, then what it threw', async () => {
      const path = writeText('several-throws.ts', `import { customTask } from 'taskres';\nexport const a = customTask(0, 1)(function a() { return 1; });\nthrow new Error('config missing');\n`);
      const { code, stdout, stderr } = await taskres('check', path);
      expect(code).toBe(1);
      expect(stdout).toContain('✗ a: 1 problem\n  TASKRES_INVALID_SPEC [cpu]: cpu of task');
      expect(stderr).toBe(`taskres check: cannot load ${path}: it threw Error: config missing\n`);
    });
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

  it('--only patterns measures the call patterns beside the reference floor of bench/floor.mjs', async () => {
    const { code, stdout } = await taskres('bench', '--quick', '--json', '--only', 'patterns');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { scenarios: { title: string; rows: { name: string; opsPerSec: number; note?: string }[] }[] };
    expect(result.scenarios).toHaveLength(1);
    const rows = result.scenarios[0]!.rows;
    expect(rows[0]!.name).toBe('reference floor (bench/floor.mjs): raw isolated-vm, one thread');
    expect(rows[0]!.opsPerSec).toBeGreaterThan(0);
    const many = rows.find((r) => r.name === 'resolveMany, one call');
    expect(many?.note).toMatch(/^x floor [\d.]+ \[[\d.]+–[\d.]+\]; user CPU µs\/item/);
  }, 180_000);
});

describe('taskres never prints untrusted text raw', () => {
  it('escapes control characters in a spec name and an option key (check)', async () => {
    const spec = writeJson('evil-name.json', { name: EVIL, params: ['n'], resources: { cpu: 1, memory: 1, [`mem${EVIL}`]: 2 } });
    const result = await taskres('check', spec);
    expect(result.code).toBe(1);
    expectNothingRaw(result.raw.stdout);
    expectNothingRaw(result.raw.stderr);
    expect(result.stdout).toContain('✗ ');
    expect(result.stdout).toContain(`✗ ${EVIL_SHOWN}: 1 problem`);
    expect(result.stdout).toContain("Unknown resource option 'mem\\x1b]0;pwned");
    for (const escaped of ESCAPED) expect(result.stdout).toContain(escaped);
  });

  it('escapes a thrown message on stderr and keeps it intact in the JSON on stdout', async () => {
    const spec = writeJson('evil-throw.json', { name: 'thrower', params: ['n'], resources: { cpu: `({ n }) => { throw new Error(${JSON.stringify(EVIL)}); }`, memory: 1 } });
    const args = writeJson('evil-n.json', { n: 1 });
    const result = await taskres('resolve', spec, '--args', args);
    expect(result.code).toBe(1);
    expectNothingRaw(result.raw.stdout);
    expectNothingRaw(result.raw.stderr);
    expect(result.stderr).toMatch(/^taskres resolve: TASKRES_FUNCTION_THREW: .*pwned/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    // The library may quote the message escaped or clipped; whatever it passes on shows escaped.
    expect(result.stderr).toMatch(/\\(x1b|u001b)\]0;pwned/);
    const parsed = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(parsed.error.code).toBe('TASKRES_FUNCTION_THREW');
    expect(parsed.error.message).toContain('pwned');
  });

  it('writes a spec problem found at definition to stdout as JSON too, one line under --requests', async () => {
    const spec = writeJson('json-signature.json', { name: 'sig', params: ['n'], resources: { cpu: '({ count }) => count', memory: 1 } });
    const args = writeJson('json-signature-n.json', { n: 1 });
    const single = await taskres('resolve', spec, '--args', args);
    expect(single.code).toBe(1);
    expect(single.stderr).toMatch(/^taskres resolve: TASKRES_SIGNATURE: /);
    expect((JSON.parse(single.stdout) as { error: { code: string } }).error.code).toBe('TASKRES_SIGNATURE');
    const requests = join(scratch, 'json-signature.jsonl');
    writeFileSync(requests, '{"args":{"n":1}}\n');
    const many = await taskres('resolve', spec, '--requests', requests);
    expect(many.code).toBe(1);
    const lines = many.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0]!) as { error: { code: string } }).error.code).toBe('TASKRES_SIGNATURE');
    const table = await taskres('resolve', spec, '--args', args, '--format', 'table');
    expect(table.code).toBe(1);
    expect(table.stdout).toBe('');
  });

  it('escapes a task name in a table', async () => {
    const spec = writeJson('evil-table.json', { name: EVIL, params: ['n'], resources: { cpu: 1, memory: 1 } });
    const args = writeJson('evil-table-n.json', { n: 1 });
    const result = await taskres('resolve', spec, '--args', args, '--format', 'table');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expectNothingRaw(result.raw.stdout);
    for (const escaped of ESCAPED) expect(result.stdout).toContain(escaped);
    expect(result.stdout).toContain('memory: 1Gi');
  });

  it('escapes a flag, a command name and a --task name', async () => {
    const flag = await taskres('resolve', 'examples/seed-tasks.json', `--x${EVIL}`);
    expect(flag.code).toBe(2);
    const command = await taskres(`x${EVIL}`);
    expect(command.code).toBe(2);
    const task = await taskres('resolve', 'examples/seed-tasks.json', '--task', EVIL, '--args', 'examples/args.json');
    expect(task.code).toBe(2);
    for (const result of [flag, command, task]) {
      expectNothingRaw(result.raw.stdout);
      expectNothingRaw(result.raw.stderr);
      expect(result.stderr).toContain('\\x1b]0;pwned\\x07');
    }
  });

  it('reports a module spec that throws on load by its message alone, escaped', async () => {
    const path = writeText('throws.mjs', `throw new Error(${JSON.stringify(EVIL)});\n`);
    const result = await taskres('check', path);
    expect(result.code).toBe(1);
    expectNothingRaw(result.raw.stderr);
    expectNoStack(result.stderr);
    expect(result.stderr).toBe(`taskres check: cannot load ${path}: it threw Error: ${EVIL_SHOWN}\n`);
  });

  it.each([
    ['a non-Error', 'throw Object.create(null);', 'it threw a value that is not an Error'],
    ['a TypeScript module with a bad import', "import { noSuchExport } from 'taskres';\nexport const x = noSuchExport;\n", "it threw SyntaxError: The requested module"],
    ['a message thousands of characters long', "throw new Error('x'.repeat(100_000));", 'more characters)'],
  ])('reports a module that throws %s in one line', async (_what, source, expected) => {
    const path = writeText(`throws-${Math.random().toString(36).slice(2)}.ts`, source);
    const result = await taskres('check', path);
    expect(result.code).toBe(1);
    expectNoStack(result.stderr);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr.length).toBeLessThan(1000);
    expect(result.stderr).toContain(expected);
  });

  it('reports an error a module throws after loading without a stack', async () => {
    const path = writeText('late.mjs', "import { smallTask } from 'taskres';\nsetTimeout(() => { throw new Error('late \\u001b[2K'); }, 5);\nexport const t = smallTask(function t(n) { return n; });\nawait new Promise((r) => setTimeout(r, 50));\n");
    const result = await taskres('check', path);
    expect(result.code).toBe(1);
    expectNothingRaw(result.raw.stderr);
    expectNoStack(result.stderr);
    expect(result.stderr).toContain('Error: late \\x1b[2K');
  });
});

describe('taskres: bad input gives one clear line, never a stack trace', () => {
  it('refuses arguments nested 100,000 levels deep', async () => {
    const args = writeText('deep.json', `{ "count": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "files": [] }`);
    const result = await taskres('resolve', 'examples/seed-tasks.json', '--task', 'my_task', '--args', args);
    expect(result.code).toBe(2);
    expectNoStack(result.stderr);
    expect(result.stderr).toMatch(/^taskres resolve: args\.count\[0\]\[0\].* in .*deep\.json nests values more than 1000 levels deep/);
    expect(result.stderr.split('\n')[0]!.length).toBeLessThan(400);
  });

  it('leaves arguments a few hundred levels deep to the resolver, which refuses them with its code', async () => {
    const args = writeText('deep-300.json', `{ "count": 1, "files": ${'['.repeat(300)}${']'.repeat(300)} }`);
    const result = await taskres('resolve', 'examples/seed-tasks.json', '--task', 'my_task', '--args', args);
    expect(result.code).toBe(1);
    expectNoStack(result.stderr);
    expect(result.stderr).toContain('TASKRES_INVALID_ARGS');
  });

  it.each([
    ['an empty string', { count: 1, files: [{ $file: '' }] }, 'args.files[0].$file in', 'received an empty string'],
    ['a number', { count: 1, files: [{ $file: 3 }] }, 'args.files[0].$file in', 'received number'],
    ['null', { count: 1, files: [{ $file: null }] }, 'args.files[0].$file in', 'received null'],
    ['other keys beside it', { count: 1, files: [{ $file: 'a.fq', sizee: 3 }] }, 'args.files[0].$file in', "received also 'sizee'"],
  ])('refuses a $file that is %s, naming the field', async (_what, value, field, detail) => {
    const args = writeJson(`file-${Math.random().toString(36).slice(2)}.json`, value);
    const result = await taskres('resolve', 'examples/seed-tasks.json', '--task', 'my_task', '--args', args);
    expect(result.code).toBe(2);
    expectNoStack(result.stderr);
    expect(result.stderr).toContain(field);
    expect(result.stderr).toContain(detail);
  });

  it('resolves a relative $file against the args file, and keeps URLs as they are', async () => {
    const dir = join(scratch, 'files');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.fq'), 'x'.repeat(10));
    const spec = writeJson('paths.json', { name: 'paths', params: ['files'], resources: { cpu: '({ files }) => files[0].size() + (files[1].path.startsWith("s3://") ? 100 : 0)', memory: 1 } });
    const args = join(dir, 'args.json');
    writeFileSync(args, JSON.stringify({ files: [{ $file: 'a.fq' }, { $file: 's3://bucket/b.fq' }] }));
    const result = await taskres('resolve', spec, '--args', args);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).cpu).toBe(110);
  });

  it('reports bad JSON in one line', async () => {
    const args = writeText('bad.json', '{ "count": 1, ');
    const result = await taskres('resolve', 'examples/seed-tasks.json', '--task', 'my_task', '--args', args);
    expect(result.code).toBe(2);
    expectNoStack(result.stderr);
    expect(result.stderr).toContain('bad.json is not valid JSON');
  });

  it('reports a spec that overflows the stack of a check in one line', async () => {
    // ~2,000 nested blocks overflowed definition-time analysis; whatever the library answers
    // (a problem with a code, or an error), the CLI prints it as one escaped line.
    const spec = writeJson('blocks.json', { name: 'blocks', params: ['n'], resources: { cpu: `(n) => {${'{'.repeat(2000)}${'}'.repeat(2000)} return 1; }`, memory: 1 } });
    for (const args of [['check', spec], ['resolve', spec, '--args', writeJson('blocks-n.json', { n: 1 })]]) {
      const result = await taskres(...args);
      expect(result.code).toBe(1);
      expectNoStack(result.stdout + result.stderr);
      expect(result.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(3);
      // stdout holds the check's report, or (resolve) the same failure as one JSON record.
      if (args[0] === 'resolve') expect(JSON.parse(result.stdout)).toHaveProperty('error.code');
      else expect(result.stdout.trimEnd().split('\n').length).toBeLessThanOrEqual(3);
    }
  });
});

describe('taskres is a plain user of the public API', () => {
  it('gives a module spec the same copy of taskres the CLI runs, and resolves its task', async () => {
    const library = join(ROOT, 'dist', 'index.js');
    const path = writeText(
      'same-copy.ts',
      `import { TaskFile, customTask, isTaskresError } from 'taskres';
import { pathToFileURL } from 'node:url';
const cli = await import(pathToFileURL(${JSON.stringify(library)}).href);
const same = cli.TaskFile === TaskFile && cli.isTaskresError === isTaskresError;
export const t = customTask({ cpu: ({ files }: { files: { size(): number }[] }) => files.length + 1, memory: same ? 3 : 5 })(function same_copy({ files }: { files: TaskFile[] }) { return files; });
`,
    );
    const check = await taskres('check', path);
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain('1 task OK (same_copy)');
    const args = writeJson('same-copy-args.json', { files: [{ $file: 'a.fq' }] });
    const resolved = await taskres('resolve', path, '--args', args);
    expect(resolved.stderr).toBe('');
    expect(JSON.parse(resolved.stdout)).toMatchObject({ cpu: 2, memory: 3 });
  });

  it("recognises the errors a module spec's own taskres throws", async () => {
    // With two copies and no shared brand, the CLI would not know this error and call it unexpected.
    const path = writeText('own-error.ts', "import { TaskresError } from 'taskres';\nthrow new TaskresError('TASKRES_INVALID_SPEC', 'from the module');\n");
    const result = await taskres('check', path);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('taskres check: TASKRES_INVALID_SPEC: from the module\n');
  });

  it('bundles no copy of the library into dist/cli.js', () => {
    const cli = readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8');
    expect(cli).toMatch(/from "taskres"/);
    // Bundling keeps declaration names: any copy of the library would declare these.
    const declarations = /\b(?:class|var|let|const|function) (?:TaskresError|TaskFile|defineTask|checkTaskSpec|createResolver)\b/g;
    expect(cli.match(declarations)).toBeNull();
    expect(readFileSync(join(ROOT, 'dist', 'index.js'), 'utf8').match(declarations)?.length).toBeGreaterThanOrEqual(5);
  });

  it('writes to the terminal only through src/cli/output.ts', () => {
    const dir = join(ROOT, 'src', 'cli');
    for (const file of readdirSync(dir).filter((f) => f !== 'output.ts')) {
      expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/process\.(stdout|stderr)|console\./);
    }
  });

  it('says how to build when the build is missing', async () => {
    const clone = join(scratch, 'clone');
    mkdirSync(join(clone, 'bin'), { recursive: true });
    copyFileSync(BIN, join(clone, 'bin', 'taskres.js'));
    writeFileSync(join(clone, 'package.json'), JSON.stringify({ name: 'taskres', type: 'module' }));
    const result = await run(join(clone, 'bin', 'taskres.js'), ['--help']);
    expect(result.code).toBe(1);
    expectNoStack(result.stderr);
    expect(result.stderr).toMatch(/^taskres: the build is missing .*run `npm run build`/);
  });
});

describe('taskres --version and taskres doctor', () => {
  function taskresWithEnv(env: Record<string, string>, ...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 120_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, raw: { stdout: Buffer.from(stdout), stderr: Buffer.from(stderr) } });
      });
    });
  }

  it('--version prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-v']) {
      const { code, stdout, stderr } = await taskres(flag);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toBe(`taskres ${version}\n`);
    }
    expect((await taskres('--help')).stdout).toContain('taskres --version');
  });

  it('doctor shows Node, the isolated-vm in use and where it loads from, the flags, a live probe, and exits 0', async () => {
    const { code, stdout, stderr } = await taskres('doctor');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Node.js       ${process.versions.node} (ABI ${process.versions.modules}, linux x64) at ${process.execPath}: a supported line`);
    expect(stdout).toMatch(new RegExp(`isolated-vm   \\d+\\.\\d+\\.\\d+.* at ${join(ROOT, 'node_modules')}/isolated-vm[-\\w]*: loaded`));
    expect(stdout).toContain('sandbox process: --no-node-snapshot');
    expect(stdout).toMatch(/probe +sandbox started, function evaluated \(cold start \d+ ms, next call [\d.]+ ms, 1 sandbox start\)/);
    expect(stdout).toContain('✓ OK: taskres can run resource functions here.');
    expectNothingRaw(Buffer.from(stdout));
  });

  it('doctor exits 1 with the cause and the fix when isolated-vm cannot load', async () => {
    const missing = join(scratch, 'no-isolated-vm-here');
    const { code, stdout } = await taskresWithEnv({ TASKRES_ISOLATED_VM: missing }, 'doctor');
    expect(code).toBe(1);
    expect(stdout).toContain(`isolated-vm   ${missing}: not installed`);
    expect(stdout).toMatch(/probe +TASKRES_SANDBOX_UNAVAILABLE: .*cannot start its sandbox/);
    expect(stdout).toContain('✗ NOT OK: taskres cannot run resource functions here.');
    expect(stdout).toContain(`  cause: TASKRES_ISOLATED_VM=${missing}: nothing is installed at ${missing}`);
    expect(stdout).toContain('  fix: unset TASKRES_ISOLATED_VM, or point it at an isolated-vm built for this Node');
    expectNoStack(stdout);
  });

  it('resolve reports TASKRES_SANDBOX_UNAVAILABLE, not a function error, when isolated-vm cannot load', async () => {
    const args = writeJson('unavailable-args.json', { files: [], count: 1 });
    const { code, stderr } = await taskresWithEnv({ TASKRES_ISOLATED_VM: join(scratch, 'none') }, 'resolve', 'examples/seed-tasks.json', '--args', args, '--task', 'my_task', '--format', 'table');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^taskres resolve: TASKRES_SANDBOX_UNAVAILABLE: .*nothing is installed at .*: unset TASKRES_ISOLATED_VM/);
    expectNoStack(stderr);
  });
});
