/**
 * The answer to /v1/resolve-many is not an amplified copy of the request (issue 18 §5, round-3
 * finding): 1,000 unknown-task items once got 16 times their size back, each detail listing
 * every loaded task name. A detail lists a few names and a count; past a small multiple of the
 * request, a repeated problem points at the first item that had it. What remains is the
 * problem object each item carries (see the bound below).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, serve, untilReady, type Served } from './helpers/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'taskres-serve-amplification-'));
const taskCount = 60;
let server: Served;
beforeAll(async () => {
  const tasks = Array.from({ length: taskCount }, (_, i) => ({ name: `a_rather_long_task_name_for_the_pipeline_step_${i}`, params: [], resources: { cpu: 1, memory: 1 } }));
  writeFileSync(join(scratch, 'tasks.json'), JSON.stringify(tasks));
  server = await serve('--tasks', join(scratch, 'tasks.json'), '--threads', '1');
  await untilReady(server.url);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('POST /v1/resolve-many with 1,000 unknown-task items', () => {
  it('names a few loaded tasks and a count, and answers within a small multiple of the request', async () => {
    const body = { items: Array.from({ length: 1000 }, () => ({ task: 'x', args: {} })) };
    const requestChars = JSON.stringify(body).length;
    const answer = await post(`${server.url}/v1/resolve-many`, body);
    expect(answer.status).toBe(200);
    const outcomes = answer.body.outcomes as { status: string; error: { code: string; detail: string } }[];
    expect(outcomes).toHaveLength(1000);
    expect(outcomes.every((outcome) => outcome.status === 'rejected' && outcome.error.code === 'TASKRES_NOT_FOUND')).toBe(true);
    expect(outcomes[0]!.error.detail).toContain(`and ${taskCount - 5} more`);
    expect(outcomes[0]!.error.detail.length).toBeLessThan(600);
    expect(outcomes[999]!.error.detail).toBe('As for item 0.');
    // Each item still carries its own problem object (type, title, status, code, instance:
    // ~250 characters for a 23-character item); its detail no longer grows with the tasks
    // loaded (before: 20 names each, ~50 times the request with these names).
    expect(JSON.stringify(answer.body).length).toBeLessThan(14 * requestChars);
  }, 60_000);
});
