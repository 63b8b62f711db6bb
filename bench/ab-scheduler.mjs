// Before/after of two builds in the scheduler's form (bench/scheduler-task.ts: a customTask with
// a JS function, two new TaskFiles per item, default options), alternating per round in one
// process, each round beside the reference floor (bench/floor.mjs) measured in the same round:
//   node --no-node-snapshot --expose-gc bench/ab-scheduler.mjs OLD/dist/index.js NEW/dist/index.js [rounds] [items]
// Per build and round: resolveMany of `items` (items/s as a ratio to the floor, user-process CPU
// µs per item, GC ms per 100,000 items, sandbox-process CPU µs per item from /proc), `items`
// resolve calls at once (ratio to that build's resolveMany), and 1,000 serial resolve calls.
// Prints medians and [min–max] over the rounds, and the load average before and after.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [oldPath, newPath, roundsText = '3', itemsText = '100000'] = process.argv.slice(2);
const rounds = Number(roundsText);
const items = Number(itemsText);
const toUrl = (path) => (path.startsWith('file:') ? path : pathToFileURL(path).href);
const builds = { old: await import(toUrl(oldPath)), new: await import(toUrl(newPath)) };

const root = fileURLToPath(new URL('..', import.meta.url));
const cwd = process.cwd();
process.chdir(root);
const { floorRun } = await import(pathToFileURL(`${root}bench/floor.mjs`).href);
process.chdir(cwd);

const loadBefore = loadavg();
const setup = (lib) => {
  const task = lib.customTask({ cpu: ({ files }) => Math.min(8, files.length), memory: 8 })(function my_task({ files, count }) {
    return files.length * count;
  });
  const args = (j) => ({ files: [new lib.TaskFile(`/data/a${j % 97}.fq`), new lib.TaskFile('/data/b.fq')], count: j });
  const requests = (n) => {
    const out = new Array(n);
    for (let j = 0; j < n; j++) out[j] = { task, args: args(j) };
    return out;
  };
  return { lib, task, args, requests, resolver: lib.createResolver() };
};
const sides = { old: setup(builds.old), new: setup(builds.new) };

/** CPU ticks (user + system, all threads) of the sandbox process, in µs. */
function sandboxCpuUs(side) {
  const pid = side.resolver.supervisor?.process?.child?.pid;
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

async function many(side) {
  const requests = side.requests(items);
  globalThis.gc?.();
  await new Promise((resolve) => setImmediate(resolve));
  gcMs = 0;
  const sandbox = sandboxCpuUs(side);
  const cpu = process.cpuUsage();
  const t = performance.now();
  const outcomes = await side.resolver.resolveMany(requests);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const sandboxUsed = sandboxCpuUs(side) - sandbox;
  await new Promise((resolve) => setImmediate(resolve));
  if (outcomes[items - 1].status !== 'fulfilled' || outcomes[items - 1].value.cpu !== 2) throw new Error('wrong outcome');
  return { rate: items / (ms / 1000), cpu: (used.user + used.system) / items, gc: (gcMs * 100_000) / items, sandbox: sandboxUsed / items };
}

async function all(side) {
  const requests = side.requests(items);
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(requests.map((r) => side.resolver.resolve(r.task, r.args)));
  const used = process.cpuUsage(cpu);
  return { rate: items / ((performance.now() - t) / 1000), cpu: (used.user + used.system) / items };
}

async function serial(side, count = 1000) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const args = side.args(i);
    const t = performance.now();
    await side.resolver.resolve(side.task, args);
    times.push((performance.now() - t) * 1000);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(count / 2)], p99: times[Math.floor(count * 0.99)] };
}

const floorRate = (n) => {
  const t = performance.now();
  if (floorRun(n) < n) throw new Error('floor wrong');
  return n / ((performance.now() - t) / 1000);
};

const figures = {};
const put = (which, name, value) => ((figures[name] ??= { old: [], new: [] })[which]).push(value);
for (const side of Object.values(sides)) {
  await side.resolver.resolveMany(side.requests(1000));
  await side.resolver.resolveMany(side.requests(items));
}
floorRun(5000);
for (let r = 0; r < rounds; r++) {
  const floor = floorRate(items);
  put('old', 'floor items/s', floor);
  put('new', 'floor items/s', floor);
  const order = r % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
  for (const which of order) {
    const m = await many(sides[which]);
    put(which, 'resolveMany x floor', m.rate / floor);
    put(which, 'resolveMany items/s', m.rate);
    put(which, 'resolveMany user CPU µs/item', m.cpu);
    put(which, 'resolveMany GC ms/100k', m.gc);
    put(which, 'resolveMany sandbox CPU µs/item', m.sandbox);
  }
  for (const which of order) {
    const a = await all(sides[which]);
    put(which, 'resolve x N at once items/s', a.rate);
    put(which, 'resolve x N at once user CPU µs/item', a.cpu);
  }
  for (const which of order) {
    const s = await serial(sides[which]);
    put(which, 'serial p50 µs', s.p50);
    put(which, 'serial p99 µs', s.p99);
  }
}
await Promise.all(Object.values(sides).map((side) => side.resolver.close()));
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const show = (xs) => {
  const digits = median(xs) < 10 ? 2 : median(xs) < 100 ? 1 : 0;
  const s = sorted(xs);
  return `${median(xs).toFixed(digits)} [${s[0].toFixed(digits)}–${s[s.length - 1].toFixed(digits)}]`;
};
console.log(`load average before ${loadBefore.map((x) => x.toFixed(1)).join(' ')}, after ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${rounds} rounds of ${items} items`);
console.log('| figure | before: median [min–max] | after: median [min–max] | after/before |');
console.log('|---|---|---|---|');
for (const [name, { old, new: next }] of Object.entries(figures)) {
  console.log(`| ${name} | ${show(old)} | ${show(next)} | ${(median(next) / median(old)).toFixed(2)} |`);
}
