/**
 * The Python client against the real server, as CI runs it: `taskres serve --tasks
 * examples/seed-tasks.json` on an ephemeral port, then the client's own unittest suite and the
 * README's Python example, each with python3. No Python means a failure, not a skip: CI
 * machines have python3, and a silently skipped client is an untested one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
