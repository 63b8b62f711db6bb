// Before/after in one process: `node bench/compare-builds.mjs OLD_DIST_INDEX NEW_DIST_INDEX [rounds] [filter]`.
// Both builds are loaded side by side (each starts its own sandbox process) and every scenario
// alternates between them, so machine noise hits both alike. Prints medians and new/old ratios.
// `filter`: run only the scenarios whose name contains it. Scenarios named "user CPU" report
// this process's CPU time per item (the user-process cost alone: the sandbox is another process).
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [oldPath, newPath, roundsText = '5', filter = ''] = process.argv.slice(2);
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

const cpuTask = (lib) => lib.defineTask({ name: 'my_task', params: ['files', 'count'], resources: { cpu: CPU, memory: 8 } });
const cpuArgs = (lib) => ({ files: paths.slice(0, 2).map((p) => new lib.TaskFile(p)), count: 3 });
/** Runs `run` and returns [items/s, user-process CPU µs per item]. */
async function measured(items, run) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return [items / ((performance.now() - t) / 1000), (used.user + used.system) / items];
}
const pairs = {
  'resolveMany 100,000 in one call': async (lib, resolver) => {
    const task = cpuTask(lib);
    const args = cpuArgs(lib);
    const requests = Array.from({ length: 100_000 }, () => ({ task, args }));
    return measured(100_000, () => resolver.resolveMany(requests));
  },
  'resolve x 100,000 at once (Promise.all)': async (lib, resolver) => {
    const task = cpuTask(lib);
    const args = cpuArgs(lib);
    return measured(100_000, () => Promise.all(Array.from({ length: 100_000 }, () => resolver.resolve(task, args))));
  },
  'resolve, 64 callers one at a time (30,000)': async (lib, resolver) => {
    const task = cpuTask(lib);
    const args = cpuArgs(lib);
    let next = 0;
    const caller = async () => {
      while (next < 30_000) {
        next++;
        await resolver.resolve(task, args);
      }
    };
    return measured(30_000, () => Promise.all(Array.from({ length: 64 }, caller)));
  },
};
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
  'serial resolve, p50 and p99 (µs)': async (lib, resolver) => serial(lib, resolver),
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

Object.assign(scenarios, pairs);
/** The names of what a scenario returns, when it returns several figures. */
const figures = (name, value) => (Array.isArray(value) ? [`${name}: items/s`, `${name}: user-process CPU µs/item`] : [name]);
for (const name of Object.keys(scenarios)) if (!name.includes(filter)) delete scenarios[name];

/** Serial resolve latencies: [p50, p99] in µs over 2,000 calls. */
async function serial(lib, resolver) {
  const task = cpuTask(lib);
  const args = cpuArgs(lib);
  const times = [];
  for (let i = 0; i < 2_000; i++) {
    const t = performance.now();
    await resolver.resolve(task, args);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { 'serial resolve p50 (µs)': times[Math.floor(times.length / 2)] * 1000, 'serial resolve p99 (µs)': times[Math.floor(times.length * 0.99)] * 1000 };
}

const resolvers = { old: builds.old.createResolver({ threads: 2 }), new: builds.new.createResolver({ threads: 2 }) };
const results = {};
for (const [name, run] of Object.entries(scenarios)) {
  for (const which of ['old', 'new']) await run(builds[which], resolvers[which]); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
      const value = await run(builds[which], resolvers[which]);
      // A scenario returns one figure, [items/s, CPU µs/item], or named figures.
      const named = typeof value === 'number' ? { [name]: value } : Array.isArray(value) ? Object.fromEntries(figures(name, value).map((n, i) => [n, value[i]])) : value;
      for (const [figure, x] of Object.entries(named)) ((results[figure] ??= { old: [], new: [] })[which]).push(x);
    }
  }
}
await Promise.all(Object.values(resolvers).map((r) => r.close()));
rmSync(dir, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('| scenario | before (median) | after (median) | after/before | after, all rounds |');
console.log('|---|---|---|---|---|');
for (const [name, { old, new: next }] of Object.entries(results)) {
    const digits = median(old) < 100 ? 2 : 0;
  console.log(`| ${name} | ${median(old).toFixed(digits)} | ${median(next).toFixed(digits)} | ${(median(next) / median(old)).toFixed(2)} | ${next.map((x) => x.toFixed(digits)).join(', ')} |`);
}
