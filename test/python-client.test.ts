/**
 * The Python client against the real server, as CI runs it: `taskres serve --tasks
 * examples/seed-tasks.json` on an ephemeral port, then the client's own unittest suite and the
 * README's Python example, each with python3. No Python means a failure, not a skip: CI
 * machines have python3, and a silently skipped client is an untested one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, untilReady, type Served } from './helpers/server.js';

const CLIENT_DIR = new URL('../examples/python', import.meta.url).pathname;

/** Runs python3 in examples/python against the server; resolves with the exit code and output. */
function python(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, { cwd: CLIENT_DIR, env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** The first ```python block of the README's "Resolver service" section. */
function readmePythonExample(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Resolver service'));
  const found = /\n```python\n([\s\S]*?)\n```\n/.exec(section.slice(0, section.indexOf('\n## ', 1)));
  if (!found) throw new Error('README.md: no ```python block in the "Resolver service" section');
  return found[1]!;
}

let server: Served;

beforeAll(async () => {
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (version.error) {
    throw new Error(`python3 is needed to test the Python client (examples/python) and was not found on PATH (${(version.error as NodeJS.ErrnoException).code}); install Python 3.10 or later.`);
  }
  server = await serve('--tasks', 'examples/seed-tasks.json');
  await untilReady(server.url);
}, 60_000);

afterAll(async () => {
  if (server) expect(await server.stop()).toBe(0);
});

describe('the Python client against the real server', () => {
  it('passes its unittest suite (examples/python/test_taskres_client.py)', async () => {
    const run = await python(['-m', 'unittest', '-v', 'test_taskres_client.py'], { TASKRES_URL: server.url });
    expect(run.code, `python3 -m unittest failed:\n${run.stderr.slice(-4000)}`).toBe(0);
    // Every test ran (none skipped or missing): unittest prints "Ran N tests" and "OK".
    expect(run.stderr).toMatch(/Ran (\d+) tests/);
    expect(Number(/Ran (\d+) tests/.exec(run.stderr)![1])).toBeGreaterThanOrEqual(10);
    expect(run.stderr).toMatch(/\nOK\s*$/);
  }, 60_000);

  it('runs the README example as written and prints what its comments say', async () => {
    const source = readmePythonExample();
    expect(source).toContain('http://127.0.0.1:8080');
    // The only change: the server here listens on an ephemeral port.
    const run = await python(['-'], {}, source.replaceAll('http://127.0.0.1:8080', server.url));
    expect(run.code, run.stderr.slice(-4000)).toBe(0);
    const expected = [...source.matchAll(/# => (.*)$/gm)].map((m) => m[1]!.trim());
    expect(expected.length).toBeGreaterThan(0);
    expect(run.stdout.trim().split('\n')).toEqual(expected);
  }, 60_000);

  it('uses only the standard library', async () => {
    const listImports = 'import ast, sys; tree = ast.parse(open("taskres_client.py").read()); print(sorted({(n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names} - set(sys.stdlib_module_names) - {"__future__"}))';
    const run = await python(['-c', listImports], {});
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('[]');
  });
});

describe('the Python client with a token, and when the service fails it', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'taskres-python-token-'));
  const tokenFile = join(scratch, 'token');
  const token = 'python-client-token-0123456789';
  let guarded: Served;
  beforeAll(async () => {
    writeFileSync(tokenFile, `${token}\n`);
    guarded = await serve('--tasks', 'examples/seed-tasks.json', '--token-file', tokenFile);
    await untilReady(guarded.url);
  }, 60_000);
  afterAll(async () => {
    await guarded?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('takes the token from --token-file or TASKRES_TOKEN', async () => {
    const fromFile = await python(['taskres_client.py', guarded.url, '--token-file', tokenFile], { TASKRES_TOKEN: '' });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toContain('my_task: {"cpu"');
    const fromEnv = await python(['taskres_client.py', guarded.url], { TASKRES_TOKEN: token });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toContain('my_task: {"cpu"');
  }, 60_000);

  it('ends with one line and exit code 1, never a traceback, for a missing token, a service that is gone, or an answer that is not JSON', async () => {
    const noToken = await python(['taskres_client.py', guarded.url], { TASKRES_TOKEN: '' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^error: TASKRES_UNAUTHORIZED: .*\(HTTP 401\)\n$/);
    const gone = await serve();
    const goneUrl = gone.url;
    await gone.stop();
    const unreachable = await python(['taskres_client.py', goneUrl], { TASKRES_TOKEN: '' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: TASKRES_UNREACHABLE: /);
    // /metrics answers text, not JSON: read as if it were the API.
    const notJson = await python(['-c', `from taskres_client import TaskresClient, TaskresError\ntry:\n    TaskresClient(${JSON.stringify(guarded.url)})._get("/metrics")\nexcept TaskresError as error:\n    print(error.code, error.status)`], {});
    expect(notJson.stderr).toBe('');
    expect(notJson.stdout.trim()).toBe('TASKRES_BAD_ANSWER 0');
    for (const run of [noToken, unreachable]) expect(run.stderr).not.toContain('Traceback');
  }, 60_000);

  it('gets the 413 for a body over --body-limit-bytes every time (20 of 2 MiB, 5 of 8 MiB), never a broken pipe', async () => {
    const script = [
      'from taskres_client import TaskresClient, TaskresError',
      `client = TaskresClient(${JSON.stringify(guarded.url)}, token=${JSON.stringify(token)}, max_retries=0)`,
      'seen = []',
      'for size, times in ((2 * 1024 * 1024, 20), (8 * 1024 * 1024, 5)):',
      '    for _ in range(times):',
      '        try:',
      '            client.resolve("my_task", {"files": [], "count": "x" * size})',
      '            seen.append("200")',
      '        except TaskresError as error:',
      '            seen.append(f"{error.status} {error.code}")',
      'print("\\n".join(seen))',
    ].join('\n');
    const run = await python(['-c', script], {});
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(25);
    expect(new Set(lines)).toEqual(new Set(['413 TASKRES_TOO_LARGE']));
  }, 120_000);
});
