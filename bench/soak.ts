/**
 * Soak test: `npm run soak` (or `node --no-node-snapshot dist/soak.js [--total N]`).
 * At least 200,000 resolutions on one 2-thread resolver, 1% of them hostile (loops, memory
 * bombs, throwing Proxies, microtask loops, bad outputs, escape probes, and a few process
 * killers that wedge a sandbox thread), the rest benign with results checked. Reports wrong
 * benign results (must be 0), errors by code, throughput, RSS at start/middle/end, and how
 * long the sandbox takes to come back after a process killer.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TaskFile, createResolver, defineTask, isTaskresError, type Task } from '../src/index.js';
import { treeRssMiB } from './harness.js';

const { values } = parseArgs({ options: { total: { type: 'string', default: '200000' }, json: { type: 'boolean', default: false } } });
const total = Number(values.total);
const BATCH = 1000;

const HOSTILE: Record<string, string> = {
  loop: '({ files, count }) => { for (;;) {} }',
  getterLoop: '({ files, count }) => { Object.defineProperty(files, "x", { get() { for (;;) {} } }); return files.x; }',
  microtaskLoop: '({ files, count }) => { Promise.resolve().then(() => { for (;;) {} }); return 1; }',
  throwProxy: '({ files, count }) => { throw new Proxy({}, { get() { for (;;) {} } }); }',
  memoryBomb: '({ files, count }) => { const keep = []; for (;;) keep.push(new Array(1000).fill(keep.length)); }',
  stringBomb: '({ files, count }) => { let s = "x"; for (;;) s += s; }',
  badValue: '({ files, count }) => ({ valueOf() { return 8; } })',
  fraction: '({ files, count }) => count / 7',
  escapeProbe: '({ files, count }) => { try { return (() => 0).constructor("return 31337")(); } catch (e) { return 0 + (typeof globalThis.process === "undefined" ? 0 : 31337); } }',
  pollute: '({ files, count }) => { try { Object.prototype.count = 1000; Math.min = () => 999; } catch (e) {} return 1; }',
  sizeLoop: '({ files, count }) => { let t = 0; for (let i = 0; i < 1e7; i++) t += files[i % files.length].size(); return 1; }',
  regexSpy: '({ files, count }) => { const seen = [RegExp.input, RegExp.lastMatch, RegExp.$1, RegExp.leftContext].join(""); return /in-\\d/.test(seen) ? 31337 : 1; }',
  forgeFile: '({ files, count }) => { const F = files[0].constructor; try { return new F(0).size() > 0 ? 31337 : 1; } catch (e) { try { return Object.getPrototypeOf(files[0]).size.call({ path: "/etc/passwd" }) > 0 ? 31337 : 1; } catch (e2) { return 1; } } }',
  lateSize: '({ files, count }) => { Promise.resolve().then(() => files[0].size()); return 1; }',
  override: '({ files, count }) => { const o = {}; o.constructor = 1; o.toString = 2; return o.constructor + o.toString; }',
};
// Wedges a sandbox thread in a fatal out-of-memory: only a process restart recovers.
const KILLER = '({ files, count }) => { const a = new Array(1e9).fill(1.5); return a.length; }';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'taskres-soak-'));
  const files = [1, 2, 3].map((gib) => {
    const path = join(dir, `in-${gib}.fq`);
    writeFileSync(path, '');
    truncateSync(path, gib * 1024 ** 3);
    return new TaskFile(path);
  });
  const args = { files, count: 3 };
  // Benign: cpu from the count, storage from the sizes: 1.5 x 6 GiB = 9.
  const benign = defineTask({
    name: 'benign',
    params: ['files', 'count'],
    // The regex leaves this tenant's file names in RegExp's legacy statics, if the realm had them.
    resources: { cpu: '({ files, count }) => Math.min(8, files.filter((f) => /^in-(\\d+)\\.fq$/.test(f.name)).length + count)', memory: 8, storage: '({ files }) => Math.floor(files.reduce((t, f) => t + 1.5 * f.size(), 0) / 1024 ** 3)' },
  });
  const expected = JSON.stringify({ cpu: 6, memory: 8, storage: 9, gpu: 0 });
  const hostile: [string, Task][] = Object.entries(HOSTILE).map(([name, source]) => [name, defineTask({ name, params: ['files', 'count'], resources: { cpu: source, memory: 1 } })]);
  const killer = defineTask({ name: 'killer', params: ['files', 'count'], resources: { cpu: KILLER, memory: 1 } });

  const resolver = createResolver({ threads: 2, timeoutMs: 100, limits: { cpu: { min: 0, max: 1_000_000 } } });
  const errors = new Map<string, number>();
  let wrong = 0;
  const wrongKinds = new Map<string, number>();
  let escapes = 0;
  let hostileCount = 0;
  let done = 0;
  const rss: { at: string; mib: number }[] = [{ at: 'start', mib: treeRssMiB() }];
  const restarts: number[] = [];
  const started = performance.now();
  const killersAt = new Set([Math.floor(total * 0.25), Math.floor(total * 0.5), Math.floor(total * 0.75)].map((n) => Math.floor(n / BATCH)));
  try {
    for (let batch = 0; done < total; batch++) {
      const requests: { task: Task; args: typeof args; kind: string }[] = [];
      for (let i = 0; i < BATCH && done + requests.length < total; i++) {
        if ((done + i) % 100 === 37) {
          const [kind, task] = hostile[hostileCount % hostile.length]!;
          requests.push({ task, args, kind });
          hostileCount++;
        } else requests.push({ task: benign, args, kind: 'benign' });
      }
      const outcomes = await resolver.resolveMany(requests);
      outcomes.forEach((outcome, i) => {
        const kind = requests[i]!.kind;
        if (kind === 'benign') {
          if (outcome.status !== 'fulfilled' || JSON.stringify(outcome.value) !== expected) {
            wrong++;
            const what = outcome.status === 'fulfilled' ? `value ${JSON.stringify(outcome.value)}` : `${outcome.reason.code}: ${outcome.reason.message.slice(0, 160)}`;
            wrongKinds.set(what, (wrongKinds.get(what) ?? 0) + 1);
          }
          return;
        }
        if (outcome.status === 'fulfilled') {
          if (outcome.value.cpu === 31337) escapes++;
          errors.set('fulfilled (ordinary number)', (errors.get('fulfilled (ordinary number)') ?? 0) + 1);
        } else {
          const code = isTaskresError(outcome.reason) ? outcome.reason.code : 'NOT A TaskresError';
          errors.set(code, (errors.get(code) ?? 0) + 1);
        }
      });
      done += requests.length;
      if (killersAt.has(batch)) {
        // A process killer, then the time until the next benign result: the restart as a user sees it.
        const outcome = await resolver.resolve(killer, args).then(() => 'fulfilled', (e: unknown) => (isTaskresError(e) ? e.code : 'NOT A TaskresError'));
        errors.set(`killer: ${outcome}`, (errors.get(`killer: ${outcome}`) ?? 0) + 1);
        const t = performance.now();
        const after = await resolver.resolve(benign, args);
        restarts.push(performance.now() - t);
        if (JSON.stringify(after) !== expected) wrong++;
      }
      if (rss.length === 1 && done >= total / 2) rss.push({ at: 'middle', mib: treeRssMiB() });
      if (!values.json && batch % 20 === 0) process.stderr.write(`\r  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} resolutions`);
    }
  } finally {
    await resolver.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const elapsedS = (performance.now() - started) / 1000;
  rss.push({ at: 'end', mib: treeRssMiB() });
  const report = {
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    resolutions: done,
    hostile: hostileCount,
    wrongBenignResults: wrong,
    ...(wrong > 0 ? { wrongBenignOutcomes: Object.fromEntries(wrongKinds) } : {}),
    escapes,
    errorsByCode: Object.fromEntries([...errors].sort()),
    resolutionsPerSecond: Math.round(done / elapsedS),
    seconds: Number(elapsedS.toFixed(1)),
    rssMiB: Object.fromEntries(rss.map((r) => [r.at, Math.round(r.mib)])),
    sandboxStarts: resolver.sandboxStarts,
    restartToFirstResultMs: restarts.map((ms) => Math.round(ms)),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`\n${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = wrong === 0 && escapes === 0 ? 0 : 1;
}

await main();
