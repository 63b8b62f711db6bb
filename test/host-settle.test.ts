/**
 * The host side of the boundary cannot throw (issue 18, section 3): what the user's process
 * does with a job's argument values and outcomes, on the path from the sandbox's answer to the
 * caller's promise, is bounded and cannot throw into an event handler. Before, a function that
 * called `.size()` on a 200,000-element argument killed the user's process: the path-string
 * hint spread the values into `push(...)` and the RangeError escaped the supervisor's IPC
 * handler. Run in child processes, so that a regression fails a test instead of the runner.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createResolver, defineTask } from '../dist/index.js';

const DIST = new URL('../dist/index.js', import.meta.url).href;
const BIN = new URL('../bin/taskres.js', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'taskres-host-settle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A function that calls size() on what it was given: a TypeError for strings and arrays of them. */
const SIZED = '({ xs }) => xs.size()';

describe('a function that throws about a huge argument cannot take down the user process', () => {
  it('library: 200,000 strings, 200,000 objects, a 50,000-key object and nested arrays each reject on their own; the process lives on', async () => {
    const script = join(scratch, 'huge.mjs');
    writeFileSync(
      script,
      `import { createResolver, defineTask } from ${JSON.stringify(DIST)};
      const resolver = createResolver({ threads: 2 });
      const sized = defineTask({ name: 'sized', params: ['xs'], resources: { cpu: ${JSON.stringify(SIZED)}, memory: 1 } });
      const echo = defineTask({ name: 'echo', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
      const strings = Array.from({ length: 200000 }, (_, i) => 'p' + i);
      const objects = strings.map((p) => ({ p }));
      const keyed = Object.fromEntries(strings.slice(0, 50000).map((s) => [s, s]));
      const nested = [strings, [strings.slice(0, 100000), ['x']]];
      const one = await resolver.resolve(sized, { xs: strings }).then(() => 'fulfilled', (e) => e.code);
      const many = await resolver.resolveMany([
        { task: sized, args: { xs: objects } },
        { task: sized, args: { xs: keyed } },
        { task: echo, args: { n: 7 } },
        { task: sized, args: { xs: nested } },
        { task: sized, args: { xs: strings } },
      ]);
      console.log(JSON.stringify([one, ...many.map((o) => (o.status === 'fulfilled' ? o.value.cpu : o.reason.code))]));
      await resolver.close();`,
    );
    const { code, stdout, stderr } = await run([script]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(['TASKRES_FUNCTION_THREW', 'TASKRES_FUNCTION_THREW', 'TASKRES_FUNCTION_THREW', 7, 'TASKRES_FUNCTION_THREW', 'TASKRES_FUNCTION_THREW']);
  }, 120_000);

  it('CLI --requests: a line as long as allowed (1 MiB) holding 240,000 strings gets its outcome line, and so do the lines around it', async () => {
    const spec = join(scratch, 'tasks.json');
    writeFileSync(spec, JSON.stringify([{ name: 'sized', params: ['xs'], resources: { cpu: SIZED, memory: 1 } }, { name: 'echo', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } }]));
    const requests = join(scratch, 'requests.jsonl');
    const strings = Array.from({ length: 240_000 }, () => 'a');
    writeFileSync(requests, [{ task: 'echo', args: { n: 2 } }, { task: 'sized', args: { xs: strings } }, { task: 'echo', args: { n: 3 } }].map((line) => JSON.stringify(line)).join('\n') + '\n');
    const { code, stdout } = await run([BIN, 'resolve', spec, '--requests', requests]);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { resources?: { cpu: number }; error?: { code: string } });
    expect(lines.map((line) => line.resources?.cpu ?? line.error?.code)).toEqual([2, 'TASKRES_FUNCTION_THREW', 3]);
    expect(code).toBe(1);
  }, 120_000);
});

describe('the sandbox process over its own memory cap', () => {
  it('names processMemoryLimitMiB, not memoryLimitMiB', async () => {
    const resolver = createResolver({ threads: 1, timeoutMs: 20_000, memoryLimitMiB: 512, processMemoryLimitMiB: 256 });
    try {
      // 384 MiB written inside the isolate's own limit, so only the process's cap can stop it.
      const hog = defineTask({ name: 'hog', params: [], resources: { cpu: '() => { const a = new Uint8Array(384 * 1024 * 1024); a.fill(1); for (;;) {} }', memory: 1 } });
      const error = await resolver.resolve(hog, {}).then(
        () => undefined,
        (thrown: Error & { code?: string }) => thrown,
      );
      expect(error?.code).toBe('TASKRES_MEMORY_LIMIT');
      expect(error?.message).toMatch(/processMemoryLimitMiB/);
      expect(error?.message).not.toMatch(/raise memoryLimitMiB/);
    } finally {
      await resolver.close();
    }
  }, 60_000);
});
