/**
 * A bystander's wait is bounded by what the sandbox observes, not by how many wedging jobs were
 * queued ahead of it (issue 18 §2, the round-3 attacker's reproduction): work lost with a
 * process is queued again in a lane of its own, and batches come from the lanes in turn
 * (src/resolver/scheduler.ts). On main before this, a one-line resolve sent one tick after 12
 * wedgers at timeoutMs 200 waited ~21 s (one restart per wedger, re-batched behind the rest).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createResolver, defineTask, isTaskresError } from '../dist/index.js';

const codeOf = (settled: PromiseSettledResult<{ cpu: number }>): number | string =>
  settled.status === 'fulfilled' ? settled.value.cpu : isTaskresError(settled.reason) ? settled.reason.code : `raw ${String(settled.reason)}`;

describe('a bystander sent after a flood of wedging jobs', () => {
  const TIMEOUT_MS = 200;
  const resolver = createResolver({ threads: 2, timeoutMs: TIMEOUT_MS });
  afterAll(() => resolver.close());
  const wedge = defineTask({ name: 'wedge', params: ['p'], resources: { cpu: `({ p }) => Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 'never') + 2`, memory: 1 } });
  const innocent = defineTask({ name: 'innocent', params: ['p'], resources: { cpu: '({ p }) => p', memory: 1 } });

  it('is answered within a few watchdog periods, and every wedger is charged', async () => {
    const wedgers = Array.from({ length: 12 }, (_, i) => resolver.resolve(wedge, { p: i }));
    for (const w of wedgers) w.catch(() => {});
    // Let the wedgers reach the sandbox first.
    await new Promise((resolve) => setImmediate(resolve));
    const began = Date.now();
    const resources = await resolver.resolve(innocent, { p: 3 });
    const waitedMs = Date.now() - began;
    expect(resources.cpu).toBe(3);
    // One watchdog period is about 2 × timeoutMs + 1 s, plus a restart (~2.3 s here); the
    // bystander needs one or two of them whatever the number of wedgers (main: ~21 s for 12).
    expect(waitedMs).toBeLessThan(3 * (2 * TIMEOUT_MS + 1000 + 1500));
    const settled = await Promise.allSettled(wedgers);
    expect(settled.map(codeOf)).toEqual(Array(12).fill('TASKRES_TIMEOUT'));
  }, 180_000);
});
