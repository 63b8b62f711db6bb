// Before/after in one process: `node bench/compare-builds.mjs OLD_DIST_INDEX NEW_DIST_INDEX [rounds]`.
// Both builds are loaded side by side (each starts its own sandbox process) and every scenario
// alternates between them, so machine noise hits both alike. Prints medians and new/old ratios.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [oldPath, newPath, roundsText = '5'] = process.argv.slice(2);
const rounds = Number(roundsText);
const builds = { old: await import(oldPath), new: await import(newPath) };
const dir = mkdtempSync(join(tmpdir(), 'taskres-compare-'));
const paths = Array.from({ length: 10 }, (_, i) => {
  const path = join(dir, `f${i}.fq`);
  writeFileSync(path, '');
  truncateSync(path, (i + 1) * 1024 * 1024);
  return path;
});
const CPU = 'function allocateCpu({ files, ...kwargs }) { return Math.min(8, files.length); }';
const STORAGE = 'function allocateStorage({ files, ...kwargs }) { return Math.floor(files.reduce((total, file) => total + 1.5 * file.size(), 0) / 1024 ** 3); }';

const scenarios = {
  'resolveMany allocateCpu (20,000/s)': async (lib, resolver) => {
    const task = lib.defineTask({ name: 'my_task', params: ['files', 'count'], resources: { cpu: CPU, memory: 8 } });
    const args = { files: paths.slice(0, 2).map((p) => new lib.TaskFile(p)), count: 3 };
    const requests = Array.from({ length: 20_000 }, () => ({ task, args }));
    const t = performance.now();
    await resolver.resolveMany(requests);
    return 20_000 / ((performance.now() - t) / 1000);
  },
  'resolveMany allocateStorage, 10 files (2,000/s)': async (lib, resolver) => {
    const task = lib.defineTask({ name: 'my_task', params: ['files', 'count'], resources: { cpu: CPU, memory: 8, storage: STORAGE } });
    const args = { files: paths.map((p) => new lib.TaskFile(p)), count: 3 };
    const requests = Array.from({ length: 2_000 }, () => ({ task, args }));
    const t = performance.now();
    await resolver.resolveMany(requests);
    return 2_000 / ((performance.now() - t) / 1000);
  },
  'serial resolve p50 (µs)': async (lib, resolver) => {
    const task = lib.defineTask({ name: 'my_task', params: ['files', 'count'], resources: { cpu: CPU, memory: 8 } });
    const args = { files: paths.slice(0, 2).map((p) => new lib.TaskFile(p)), count: 3 };
    const times = [];
    for (let i = 0; i < 2_000; i++) {
      const t = performance.now();
      await resolver.resolve(task, args);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] * 1000;
  },
  'cold start to first result (ms)': async (lib) => {
    const task = lib.defineTask({ name: 'my_task', params: ['files', 'count'], resources: { cpu: CPU, memory: 8 } });
    const t = performance.now();
    const resolver = lib.createResolver({ threads: 2 });
    await resolver.resolve(task, { files: [new lib.TaskFile(paths[0])], count: 1 });
    const ms = performance.now() - t;
    await resolver.close();
    return ms;
  },
};

const resolvers = { old: builds.old.createResolver({ threads: 2 }), new: builds.new.createResolver({ threads: 2 }) };
const results = {};
for (const [name, run] of Object.entries(scenarios)) {
  results[name] = { old: [], new: [] };
  for (const which of ['old', 'new']) await run(builds[which], resolvers[which]); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) results[name][which].push(await run(builds[which], resolvers[which]));
  }
}
await Promise.all(Object.values(resolvers).map((r) => r.close()));
rmSync(dir, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('| scenario | before (median) | after (median) | after/before | after, all rounds |');
console.log('|---|---|---|---|---|');
for (const [name, { old, new: next }] of Object.entries(results)) {
  console.log(`| ${name} | ${median(old).toFixed(0)} | ${median(next).toFixed(0)} | ${(median(next) / median(old)).toFixed(2)} | ${next.map((x) => x.toFixed(0)).join(', ')} |`);
}
