// The cost of the realm hardening, before/after in one process:
// `node bench/realm-cost.mjs OLD_DIST_INDEX NEW_DIST_INDEX [rounds]`.
// Per round and build: a cold start (createResolver to the first answer: sandbox process, one
// thread, its isolate and prelude) and 100,000 items of one resolveMany; builds alternate so
// machine noise hits both alike. Prints medians.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [oldPath, newPath, roundsText = '5'] = process.argv.slice(2);
const rounds = Number(roundsText);
const builds = { old: await import(oldPath), new: await import(newPath) };
const dir = mkdtempSync(join(tmpdir(), 'taskres-realm-cost-'));
const paths = [0, 1].map((i) => {
  const path = join(dir, `f${i}.fq`);
  writeFileSync(path, 'x');
  return path;
});
const CPU = '({ files }) => Math.min(8, files.length)';
const results = { old: { coldMs: [], perSecond: [] }, new: { coldMs: [], perSecond: [] } };
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
    const lib = builds[name];
    const task = lib.defineTask({ name: 'cost', params: ['files'], resources: { cpu: CPU, memory: 1 } });
    const args = { files: paths.map((p) => new lib.TaskFile(p)) };
    const started = performance.now();
    const resolver = lib.createResolver({ threads: 1 });
    await resolver.resolve(task, args);
    results[name].coldMs.push(performance.now() - started);
    const requests = Array.from({ length: 100_000 }, () => ({ task, args }));
    const t = performance.now();
    await resolver.resolveMany(requests);
    results[name].perSecond.push(100_000 / ((performance.now() - t) / 1000));
    await resolver.close();
  }
}
rmSync(dir, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`Node ${process.version} (V8 ${process.versions.v8}), ${rounds} rounds, medians`);
for (const name of ['old', 'new']) {
  console.log(`${name}: cold start ${median(results[name].coldMs).toFixed(0)} ms; resolveMany 100k: ${median(results[name].perSecond).toFixed(0)} items/s`);
}
console.log(`new/old: cold start ${(median(results.new.coldMs) / median(results.old.coldMs)).toFixed(2)}, throughput ${(median(results.new.perSecond) / median(results.old.perSecond)).toFixed(2)}`);
