import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFile, createResolver, customTask, defineTask, smallTask, type Resolver } from '../dist/index.js';
import { batchDeadlineMs } from '../src/resolver/supervisor.js';
import { expectRejection } from './helpers/expect-error.js';
import { GiB, makeFiles } from './helpers/files.js';

function allocateCpu({ files, ...kwargs }: { files: TaskFile[] }): number {
  return Math.min(8, files.length);
}
function allocateStorage({ files, ...kwargs }: { files: { size(): number }[] }): number {
  return Math.floor(files.reduce((total, file) => total + 1.5 * file.size(), 0) / 1024 ** 3);
}
const myTask = customTask({ cpu: allocateCpu, memory: 8, storage: allocateStorage })(function my_task(files: TaskFile[], count: number) {
  return files.length * count;
});

const fixtures = makeFiles({ 'a.fq': 2 * GiB, 'b.fq': 1 * GiB, 'small.txt': 1000 });
let resolver: Resolver;

beforeAll(() => {
  resolver = createResolver({ threads: 2, timeoutMs: 300 });
});
afterAll(async () => {
  await resolver.close();
  fixtures.cleanup();
});

/** Waits up to `timeoutMs` for every process whose environment holds `marker` to exit; returns those left. */
async function processesGone(marker: string, timeoutMs: number): Promise<number[]> {
  const marked = (): number[] =>
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker);
        } catch {
          return false;
        }
      })
      .map(Number);
  const deadline = Date.now() + timeoutMs;
  let left = marked();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = marked();
  }
  return left;
}

const sandboxChildren = (): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

/**
 * This test process's live sandbox processes started with settings that include `marker`: other
 * resolvers of the file may start (or restart) theirs at any time, and a killed one stays a
 * zombie until reaped, so a test that signals its own sandbox finds it by its settings.
 */
const sandboxesWith = (marker: string): number[] =>
  sandboxChildren().filter((pid) => {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.[0];
      return state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });

/**
 * SIGSTOPs a process and resolves once the kernel says all its threads are stopped: a signal to a process
 * running on another core takes effect a moment later, and in that moment it could still read
 * and answer the next batch (seen: an answer 2.6 ms after the kill, /proc state R, then T).
 */
async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const giveUpAt = Date.now() + 10_000;
  // Every thread, not only the leader: a worker thread reads its own batch socket.
  const allStopped = () => readdirSync(`/proc/${pid}/task`).every((tid) => readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ').pop()?.[0] === 'T');
  while (!allStopped()) {
    if (Date.now() > giveUpAt) throw new Error(`process ${pid} did not stop within 10 s of SIGSTOP`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('resolve: the seed example end to end', () => {
  it('computes cpu from the file count and storage from real file sizes', async () => {
    const result = await resolver.resolve(myTask, { files: [new TaskFile(fixtures.path('a.fq')), new TaskFile(fixtures.path('b.fq'))], count: 3 });
    // 1.5 x 3 GiB = 4.5 GiB, floored.
    expect(result).toEqual({ cpu: 2, memory: 8, storage: 4, gpu: 0 });
  });

  it('accepts file: URLs and caps cpu at 8', async () => {
    const many = Array.from({ length: 12 }, () => new TaskFile(new URL(`file://${fixtures.path('small.txt')}`)));
    expect(await resolver.resolve(myTask, { files: many, count: 1 })).toEqual({ cpu: 8, memory: 8, storage: 0, gpu: 0 });
  });

  it('returns gpuType with the resources when the task has one', async () => {
    const gpuTask = customTask({ cpu: ({ n }: { n: number }) => n, memory: 16, gpu: 1, gpuType: 'nvidia-a10g' })(function fold({ n }: { n: number }) {
      return n;
    });
    expect(await resolver.resolve(gpuTask, { n: 4 })).toEqual({ cpu: 4, memory: 16, storage: 500, gpu: 1, gpuType: 'nvidia-a10g' });
  });

  it('resolves static tasks against the limits without running anything', async () => {
    const hello = smallTask(function hello({ name }: { name: string }) {
      return name;
    });
    expect(await resolver.resolve(hello, { name: 'x' })).toEqual({ cpu: 2, memory: 4, storage: 500, gpu: 0 });
  });

  it('binds plain identifiers by name and object patterns with rest', async () => {
    const task = defineTask({
      name: 'binding',
      params: ['files', 'count', 'label'],
      resources: {
        cpu: '(count, files) => count + files.length',
        memory: '({ label, ...rest }) => label.length + Object.keys(rest).length',
      },
    });
    expect(await resolver.resolve(task, { files: [new TaskFile('/x')], count: 2, label: 'abc' })).toMatchObject({ cpu: 3, memory: 5 });
  });

  it('resolveMany keeps input order and settles each item on its own', async () => {
    const thrower = defineTask({ name: 'thrower', params: ['n'], resources: { cpu: '({ n }) => { if (n % 3 === 0) throw new Error("bad " + n); return n; }', memory: 1 } });
    const outcomes = await resolver.resolveMany(Array.from({ length: 30 }, (_, i) => ({ task: thrower, args: { n: i + 1 } })));
    outcomes.forEach((outcome, i) => {
      const n = i + 1;
      if (n % 3 === 0) {
        expect(outcome.status).toBe('rejected');
        expect(outcome.status === 'rejected' && outcome.reason.code).toBe('TASKRES_FUNCTION_THREW');
        expect(outcome.status === 'rejected' && outcome.reason.message).toContain(`bad ${n}`);
      } else {
        expect(outcome).toEqual({ status: 'fulfilled', value: { cpu: n, memory: 1, storage: 500, gpu: 0 } });
      }
    });
  });
});

describe('lazy file sizes', () => {
  it('never calls the provider when no size() is read, and once per distinct file otherwise', async () => {
    const calls: string[] = [];
    const counting = createResolver({
      threads: 1,
      fileSize: async (file) => {
        calls.push(file.path);
        return 3 * GiB;
      },
    });
    try {
      const a = new TaskFile('s3://bucket/a.bam');
      const b = new TaskFile('s3://bucket/b.bam');
      const cpuOnly = customTask({ cpu: allocateCpu, memory: 8 })(function count_only(files: TaskFile[], count: number) {
        return [files, count];
      });
      await counting.resolve(cpuOnly, { files: [a, b], count: 1 });
      expect(calls).toEqual([]);
      // Storage and memory both read every size; the same file appears twice in the list.
      const both = customTask({
        cpu: allocateCpu,
        memory: ({ files }: { files: { size(): number }[] }) => Math.ceil(files[0]!.size() / 2 ** 30),
        storage: allocateStorage,
      })(function both_read(files: TaskFile[], count: number) {
        return [files, count];
      });
      expect(await counting.resolve(both, { files: [a, b, a], count: 1 })).toMatchObject({ cpu: 3, memory: 3, storage: 13 });
      expect(calls.sort()).toEqual(['s3://bucket/a.bam', 's3://bucket/b.bam']);
    } finally {
      await counting.close();
    }
  });

  it('looks up a whole list in one call with the batch provider form', async () => {
    const calls: string[][] = [];
    const batching = createResolver({
      threads: 1,
      fileSizes: async (list) => {
        calls.push(list.map((f) => f.name));
        return list.map(() => GiB);
      },
    });
    try {
      const list = Array.from({ length: 100 }, (_, i) => new TaskFile(`gs://b/f${i}`));
      expect((await batching.resolve(myTask, { files: list, count: 1 })).storage).toBe(150);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toHaveLength(100);
    } finally {
      await batching.close();
    }
  });

  it('keeps sizes and failures per job when jobs of one batch share files', async () => {
    // The batch encodes each distinct file once; answers must still belong to the job that asked.
    let asked = 0;
    const flaky = createResolver({
      threads: 1,
      fileSize: async (file) => {
        asked++;
        if (asked === 1) throw new Error('first lookup fails');
        return file.path.endsWith('b') ? 2 * GiB : GiB;
      },
    });
    try {
      const a = 's3://bucket/a';
      const b = 's3://bucket/b';
      const outcomes = await flaky.resolveMany([
        { task: myTask, args: { files: [new TaskFile(a)], count: 1 } },
        { task: myTask, args: { files: [new TaskFile(a)], count: 1 } },
        { task: myTask, args: { files: [new TaskFile(b), new TaskFile(a)], count: 1 } },
        { task: myTask, args: { files: [new TaskFile(a, { size: 4 * GiB }), new TaskFile(b)], count: 1 } },
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect(outcomes[0]!.status === 'rejected' && outcomes[0]!.reason.code).toBe('TASKRES_FILE_SIZE');
      // allocateStorage: 1.5 × the sum of the sizes, in GiB.
      expect(outcomes.slice(1).map((o) => o.status === 'fulfilled' && o.value.storage)).toEqual([1, 4, 9]);
    } finally {
      await flaky.close();
    }
  });

  it('answers size() only for the files passed to the evaluation', async () => {
    const probe = defineTask({
      name: 'probe',
      params: ['files'],
      resources: { cpu: '({ files }) => { const f = files[0]; const fake = { path: "/etc/shadow", size: f.size }; try { return fake.size(); } catch (e) { return e instanceof TypeError ? 1 : 2; } }', memory: 1 },
    });
    expect((await resolver.resolve(probe, { files: [new TaskFile(fixtures.path('small.txt'))] })).cpu).toBe(1);
  });

  it('gives TASKRES_FILE_SIZE when a file cannot be stat\'ed or the provider fails', async () => {
    await expectRejection(resolver.resolve(myTask, { files: [new TaskFile(fixtures.path('missing.fq'))], count: 1 }), 'TASKRES_FILE_SIZE', /ENOENT/);
    await expectRejection(resolver.resolve(myTask, { files: [new TaskFile('https://example.org/x.fq')], count: 1 }), 'TASKRES_FILE_SIZE', /fileSize provider/);
    const failing = createResolver({ threads: 1, fileSize: async () => { throw new Error('403 from bucket'); } });
    try {
      const error = await expectRejection(failing.resolve(myTask, { files: [new TaskFile('s3://b/a')], count: 1 }), 'TASKRES_FILE_SIZE', /403 from bucket/);
      expect(error.resource).toBe('storage');
      expect(error.taskName).toBe('my_task');
      const wrong = createResolver({ threads: 1, fileSize: async () => -5 });
      await expectRejection(wrong.resolve(myTask, { files: [new TaskFile('s3://b/a')], count: 1 }), 'TASKRES_FILE_SIZE', /returned -5/);
      await wrong.close();
    } finally {
      await failing.close();
    }
  });
});

describe('args checks', () => {
  const task = defineTask({ name: 'args_task', params: ['files', 'count'], resources: { cpu: '({ count }) => count', memory: 1 } });
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  it.each([
    [{ files: [] }, /missing 'count'/],
    [{ files: [], count: 1, extra: 2 }, /unknown 'extra'/],
    [{ files: [() => 1], count: 1 }, /args\.files\[0\].*function/],
    [{ files: [], count: new Date() }, /instance of Date/],
    [{ files: [], count: Symbol('x') }, /symbol/],
    [{ files: [], count: Number.NaN }, /NaN/],
    [{ files: [], count: undefined }, /undefined/],
    [{ files: [], count: 1n }, /bigint/],
    [{ files: [cycle], count: 1 }, /cycle/],
    [{ files: [{ $file: '/etc/passwd' }], count: 1 }, /\$file/],
    [null, /must be an object/],
  ])('rejects %o with TASKRES_INVALID_ARGS', async (args, pattern) => {
    await expectRejection(resolver.resolve(task, args), 'TASKRES_INVALID_ARGS', pattern);
  });

  it('rejects something that is not a task', async () => {
    await expectRejection(resolver.resolve(() => 1, {}), 'TASKRES_INVALID_ARGS', /plain function/);
  });
});

describe('errors from resource functions', () => {
  it('TASKRES_INVALID_VALUE names task, resource, function and value, with advice', async () => {
    const task = customTask({ cpu: function halfCore({ n }: { n: number }) { return n / 2; }, memory: 1 })(function half({ n }: { n: number }) {
      return n;
    });
    const error = await expectRejection(resolver.resolve(task, { n: 5 }), 'TASKRES_INVALID_VALUE', /cpu function 'halfCore' of task 'half'.*2\.5.*Math\.ceil or Math\.floor/);
    expect(error.resource).toBe('cpu');
    await expectRejection(resolver.resolve(task, { n: 1000 }), 'TASKRES_INVALID_VALUE', /500.*1 to 126/);
  });

  it('clamps with overLimit: clamp and reports a warning', async () => {
    const warnings: unknown[] = [];
    const clamping = createResolver({ threads: 1, overLimit: 'clamp', limits: { cpu: { max: 16 } }, onWarning: (w) => warnings.push(w) });
    try {
      const task = defineTask({ name: 'greedy', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
      expect((await clamping.resolve(task, { n: 64 })).cpu).toBe(16);
      expect(warnings).toEqual([{ code: 'TASKRES_CLAMPED', taskName: 'greedy', resource: 'cpu', value: 64, limit: 16 }]);
      await expectRejection(clamping.resolve(task, { n: 0 }), 'TASKRES_INVALID_VALUE');
      // Static values are held to the resolver's limits too, and each clamp is reported.
      const big = customTask(32, 8)(function big_static() {
        return 1;
      });
      expect((await clamping.resolve(big, {})).cpu).toBe(16);
      expect((await clamping.resolve(big, {})).cpu).toBe(16);
      expect(warnings.slice(1)).toEqual([
        { code: 'TASKRES_CLAMPED', taskName: 'big_static', resource: 'cpu', value: 32, limit: 16 },
        { code: 'TASKRES_CLAMPED', taskName: 'big_static', resource: 'cpu', value: 32, limit: 16 },
      ]);
    } finally {
      await clamping.close();
    }
  });

  it('TASKRES_FUNCTION_THREW carries a truncated message', async () => {
    const task = defineTask({ name: 'loud', params: ['n'], resources: { cpu: '({ n }) => { throw new RangeError("x".repeat(100000)); }', memory: 1 } });
    const error = await expectRejection(resolver.resolve(task, { n: 1 }), 'TASKRES_FUNCTION_THREW', /RangeError: xxx/);
    expect(error.message.length).toBeLessThan(500);
  });

  it('TASKRES_TIMEOUT for a loop, while the evaluations beside it succeed', async () => {
    const loop = defineTask({ name: 'loop', params: ['n'], resources: { cpu: '({ n }) => { for (;;) {} }', memory: 1 } });
    const good = defineTask({ name: 'good', params: ['n'], resources: { cpu: '({ n }) => n * 2', memory: 1 } });
    const started = Date.now();
    const outcomes = await resolver.resolveMany([
      { task: good, args: { n: 1 } },
      { task: loop, args: { n: 1 } },
      { task: good, args: { n: 2 } },
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { cpu: 2 } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'TASKRES_TIMEOUT' } });
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { cpu: 4 } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a promise job left to run after the evaluation is refused at definition (no microtask runs outside its evaluation)', () => {
    // Until round 4 such a job ran after the whole slice, where a wedge was charged to no one.
    for (const cpu of [
      '({ n }) => { Promise.resolve().then(() => { for (;;) {} }); return n; }',
      '({ n }) => { (async () => { for (;;) {} })(); return n; }',
    ]) {
      expect(() => defineTask({ name: 'sly', params: ['n'], resources: { cpu, memory: 1 } })).toThrow(
        expect.objectContaining({ code: 'TASKRES_UNSERIALIZABLE', message: expect.stringMatching(/uses (`Promise`|async functions)/) }),
      );
    }
  });

  it('TASKRES_MEMORY_LIMIT (or a timeout) for a memory bomb; the resolver keeps serving', async () => {
    const bomb = defineTask({ name: 'bomb', params: ['n'], resources: { cpu: '({ n }) => { let s = "x"; const keep = []; for (;;) { s = s + s; keep.push(s + n); } }', memory: 1 } });
    const good = defineTask({ name: 'good', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
    const [bad, fine] = await Promise.allSettled([resolver.resolve(bomb, { n: 1 }), resolver.resolve(good, { n: 7 })]);
    expect(bad.status).toBe('rejected');
    expect(['TASKRES_MEMORY_LIMIT', 'TASKRES_FUNCTION_THREW', 'TASKRES_TIMEOUT']).toContain((bad as PromiseRejectedResult).reason.code);
    expect(fine).toMatchObject({ status: 'fulfilled', value: { cpu: 7 } });
    expect((await resolver.resolve(good, { n: 9 })).cpu).toBe(9);
  });
});

describe('state isolation', () => {
  it('a function that reassigns Math.min or Object.prototype changes nothing for the next one', async () => {
    const vandal = defineTask({
      name: 'vandal',
      params: ['n'],
      resources: { cpu: '({ n }) => { try { Math.min = () => 999; } catch {} try { Object.prototype.polluted = 1; } catch {} try { globalThis.stash = 5; } catch {} try { Array.prototype.map = null; } catch {} return 1; }', memory: 1 },
    });
    const reader = defineTask({
      name: 'reader',
      params: ['n'],
      resources: { cpu: '({ n }) => Math.min(n, 50) + (({}).polluted ?? 0) + (typeof globalThis.stash === "undefined" ? 0 : 100) + [1].map((x) => x)[0]', memory: 1 },
    });
    expect((await resolver.resolve(vandal, { n: 1 })).cpu).toBe(1);
    const results = await Promise.all(Array.from({ length: 10 }, () => resolver.resolve(reader, { n: 3 })));
    expect(results.map((r) => r.cpu)).toEqual(Array(10).fill(4));
  });

  it('a function cannot keep state on itself between evaluations', async () => {
    const counter = defineTask({ name: 'counter', params: ['n'], resources: { cpu: 'function count({ n }) { try { count.calls = (count.calls || 0) + 1; } catch {} return (count.calls || 0) + n; }', memory: 1 } });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await resolver.resolve(counter, { n: 1 })).cpu);
    expect(results).toEqual([1, 1, 1]);
  });

  it('each resource function gets its own copy of the arguments', async () => {
    const task = defineTask({
      name: 'copies',
      params: ['list'],
      resources: { cpu: '({ list }) => { list.push(1, 2, 3); return list.length; }', memory: '({ list }) => list.length' },
    });
    expect(await resolver.resolve(task, { list: [1] })).toMatchObject({ cpu: 4, memory: 1 });
  });
});

describe('providers are hostile too', () => {
  const sizeOf = defineTask({ name: 'size_of', params: ['files'], resources: { cpu: '({ files }) => 1 + files.reduce((sum, f) => sum + f.size(), 0) % 7', memory: 1 } });
  const cases: [string, Parameters<typeof createResolver>[0]][] = [
    ['throws an object without a prototype', { fileSize: async () => { throw Object.create(null); } }],
    ['throws an object whose message getter throws', { fileSize: async () => { throw { get message(): string { throw new Error('gotcha'); } }; } }],
    ['throws synchronously', { fileSize: () => { throw new Error('sync'); } }],
    ['returns a thenable whose then throws a bare object', { fileSize: (() => ({ then() { throw Object.create(null); } })) as never }],
    ['returns a string', { fileSize: (async () => '12') as never }],
    ['returns a Proxy array whose traps throw', { fileSizes: (async () => new Proxy([], { get() { throw new Error('trap'); } })) as never }],
    ['returns a Proxy array whose length lies', { fileSizes: (async (files: TaskFile[]) => new Proxy(files.map(() => 1), { get: (target, key) => (key === 'length' ? 1e9 : Reflect.get(target, key)) })) as never }],
    ['returns something that is not an array', { fileSizes: (async () => ({ length: 1, 0: 5 })) as never }],
  ];
  it.each(cases)('a provider that %s gives TASKRES_FILE_SIZE; the user process and the resolver live on', async (_, options) => {
    const own = createResolver({ threads: 1, timeoutMs: 500, ...options });
    try {
      await expectRejection(own.resolve(sizeOf, { files: [new TaskFile('s3://bucket/a.fq')] }), 'TASKRES_FILE_SIZE', /provider/);
      expect((await own.resolve(sizeOf, { files: [] })).cpu).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe('files are capabilities of one evaluation', () => {
  it('no file object can be minted, re-targeted or asked about a file the function was not given', async () => {
    const forger = defineTask({
      name: 'forger',
      params: ['files', 'other'],
      resources: {
        cpu: `({ files }) => {
          const file = files[0];
          const attempts = [
            () => new file.constructor(0).size(),
            () => Reflect.construct(file.constructor, [1, '/x', 'x']).size(),
            () => Object.getPrototypeOf(file).size.call({ path: '/etc/passwd' }),
            () => Object.getPrototypeOf(file).size.call(Object.create(file)),
            () => file.size.call(Object.assign(Object.create(Object.getPrototypeOf(file)), { path: 'other' })),
          ];
          let refused = 0;
          for (const attempt of attempts) { try { attempt(); } catch (e) { if (!/node_modules|dist[/]|node:internal|[.]js:/.test(String(e && e.stack))) refused++; } }
          return refused;
        }`,
        memory: 1,
      },
    });
    let asked = 0;
    const own = createResolver({ threads: 1, fileSize: async () => { asked++; return 1; } });
    try {
      const result = await own.resolve(forger, { files: [new TaskFile('s3://a')], other: [new TaskFile('s3://secret')] });
      expect(result.cpu).toBe(5);
      expect(asked).toBe(0);
    } finally {
      await own.close();
    }
  });
});

describe('hostile neighbours do not hold results hostage', () => {
  it('a benign job sent in one batch with 20 endless loops gets its result after about one timeoutMs, not twenty', async () => {
    const own = createResolver({ threads: 1, timeoutMs: 100 });
    const loop = defineTask({ name: 'loop', params: [], resources: { cpu: '() => { for (;;) {} }', memory: 1 } });
    const echo = defineTask({ name: 'echo', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
    try {
      await own.resolve(echo, { n: 1 });
      const started = performance.now();
      const benign = own.resolve(echo, { n: 2 }).then((value) => ({ value, ms: performance.now() - started }));
      const loops = Array.from({ length: 20 }, () => own.resolve(loop, {}).catch((error: { code: string }) => error.code));
      const { value, ms } = await benign;
      expect(value.cpu).toBe(2);
      expect(ms).toBeLessThan(1000);
      expect(await Promise.all(loops)).toEqual(Array(20).fill('TASKRES_TIMEOUT'));
    } finally {
      await own.close();
    }
  });
});

describe('a healthy sandbox is never killed for a batch that was only queued', () => {
  it('a batch waiting behind a long legal batch on the only thread gets its result, with no restart', async () => {
    // Each slow evaluation takes 300 ms of a 1,000 ms budget: legal even on a loaded machine.
    const own = createResolver({ threads: 1, timeoutMs: 1000 });
    const slow = defineTask({ name: 'slow', params: [], resources: { cpu: '() => { const end = Date.now() + 300; while (Date.now() < end) {} return 1; }', memory: 1 } });
    const echo = defineTask({ name: 'echo', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
    try {
      await own.resolve(echo, { n: 1 });
      // 50 x 300 ms = 15 s of legal work ahead: longer than the waiting batch's own deadline (11 s).
      const ahead = own.resolveMany(Array.from({ length: 50 }, () => ({ task: slow, args: {} })));
      await new Promise((resolve) => setImmediate(resolve));
      expect((await own.resolve(echo, { n: 2 })).cpu).toBe(2);
      expect((await ahead).every((o) => o.status === 'fulfilled')).toBe(true);
      expect(own.sandboxStarts).toBe(1);
    } finally {
      await own.close();
    }
  }, 60_000);
});

describe('a function the sandbox cannot compile', () => {
  it.each([
    ['a regex with duplicate named groups', '() => /(?<a>x)|(?<a>y)/.test("y") ? 3 : 1'],
    ['a regex with modifiers whose text says "timed out"', '() => /(?i:timed out)/.test("TIMED OUT") ? 3 : 1'],
    ['a regex with the v flag', '() => /[\\p{L}--[a-z]]/v.test("A") ? 3 : 1'],
  ])('with regex syntax newer than ES2023 (%s) is refused at definition on every line', (_, source) => {
    // Node 20's V8 cannot compile these; Node 24's could, but they are not reviewed syntax
    // (attack round 5: the v flag's properties of strings cost ~0.9 MB each to parse).
    let refusal: unknown;
    try {
      defineTask({ name: 'newer', params: [], resources: { cpu: source, memory: 1 } });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'TASKRES_UNSERIALIZABLE', message: expect.stringMatching(/newer than ES2023|flag `v` is not allowed/) });
  });

  it('accepts super inside a class nested in the function', async () => {
    const nested = defineTask({
      name: 'nested_super',
      params: ['n'],
      resources: { cpu: '({ n }) => { class A { f() { return n; } } class B extends A { f() { return super.f() + 1; } } return new B().f(); }', memory: 1 },
    });
    expect((await resolver.resolve(nested, { n: 2 })).cpu).toBe(3);
  });

  it('fails only its own evaluations, at once, and again at once later; the isolate is not rebuilt in a loop', async () => {
    // 6 M characters of source cannot be compiled within 8 MiB (allowed here by raising maxSourceChars).
    const huge = defineTask({ name: 'huge', params: [], resources: { cpu: `() => "${'x'.repeat(6_000_000)}".length % 7 + 1`, memory: 1 } }, { maxSourceChars: 8_000_000 });
    const echo = defineTask({ name: 'echo', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
    const own = createResolver({ threads: 1, memoryLimitMiB: 8, timeoutMs: 200 });
    try {
      for (let round = 0; round < 2; round++) {
        const started = performance.now();
        const outcomes = await own.resolveMany([1, 2, 3, 0, 4, 5].map((n) => (n === 0 ? { task: huge, args: {} } : { task: echo, args: { n } })));
        expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.cpu : o.reason.code))).toEqual([1, 2, 3, 'TASKRES_MEMORY_LIMIT', 4, 5]);
        expect(performance.now() - started).toBeLessThan(5000);
      }
      expect(own.sandboxStarts).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe('arguments are copied by definition, not assignment', () => {
  it('gives data keys and parameters named like Object.prototype members (constructor, toString, valueOf) to the function', async () => {
    const named = defineTask({
      name: 'override',
      params: ['constructor', 'data'],
      resources: {
        cpu: '({ constructor, data }) => constructor + data.toString + data.valueOf + data.nested.constructor + data.list[0].hasOwnProperty',
        memory: '(constructor, data) => constructor * data.valueOf',
        storage: '({ ...rest }) => rest.constructor + Object.keys(rest.data).length',
      },
    });
    const args = { constructor: 1, data: { toString: 2, valueOf: 3, nested: { constructor: 4 }, list: [{ hasOwnProperty: 5 }] } };
    expect(await resolver.resolve(named, args)).toEqual({ cpu: 15, memory: 3, storage: 5, gpu: 0 });
  });
});

describe('lifecycle', () => {
  it('close() waits for work in flight, then later calls reject with TASKRES_CLOSED', async () => {
    const own = createResolver({ threads: 1 });
    const slow = defineTask({ name: 'slow', params: ['ms'], resources: { cpu: '({ ms }) => { const end = Date.now() + ms; while (Date.now() < end) {} return 2; }', memory: 1 } });
    const pending = own.resolve(slow, { ms: 50 });
    await own.close();
    expect((await pending).cpu).toBe(2);
    await expectRejection(own.resolve(slow, { ms: 1 }), 'TASKRES_CLOSED');
    await expectRejection(own.resolve(smallTask(function x() { return 1; }), {}), 'TASKRES_CLOSED');
  });

  it('leaves no sandbox process behind after close()', async () => {
    const before = new Set(sandboxChildren());
    const own = createResolver({ threads: 1 });
    await own.resolve(myTask, { files: [], count: 0 }).catch(() => undefined);
    const started = sandboxChildren().filter((pid) => !before.has(pid));
    expect(started.length).toBe(1);
    await own.close();
    expect(sandboxChildren().filter((pid) => !before.has(pid))).toEqual([]);
  });

  it('kills its sandbox process when the user process exits without close()', async () => {
    // Only the processes this test started count: other test files run sandboxes too.
    const marker = `taskres-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const script = `
      import { createResolver, defineTask } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const resolver = createResolver({ threads: 1 });
      const t = defineTask({ name: 't', params: [], resources: { cpu: '() => 2', memory: 1 } });
      console.log(JSON.stringify(await resolver.resolve(t, {})));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TASKRES_TEST_MARKER: marker } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    // The process exited on its own: an idle resolver does not keep it alive.
    expect(code).toBe(0);
    expect(JSON.parse(output)).toMatchObject({ cpu: 2 });
    expect(await processesGone(marker, 5000)).toEqual([]);
  });

  it('kills its sandbox process when the user process dies abruptly while the sandbox is still starting', async () => {
    const marker = `taskres-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const script = `
      import { createResolver } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      createResolver({ threads: 1 });
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore', env: { ...process.env, TASKRES_TEST_MARKER: marker } });
    const signal = await new Promise((resolve) => child.on('exit', (_, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');
    // The orphaned sandbox process notices within its check interval and goes.
    expect(await processesGone(marker, 5000)).toEqual([]);
  });

  it('kills a sandbox process that stops answering at the batch deadline; the job gets TASKRES_TIMEOUT, the next call works, close() returns', async () => {
    // A memory limit no other resolver here uses marks this resolver's sandbox processes.
    const mark = '"memoryLimitMiB":33,';
    const own = createResolver({ threads: 1, timeoutMs: 100, memoryLimitMiB: 33 });
    const two = defineTask({ name: 'two', params: [], resources: { cpu: '() => 2', memory: 1 } });
    expect((await own.resolve(two, {})).cpu).toBe(2);
    const first = sandboxesWith(mark);
    expect(first).toHaveLength(1);
    const [pid] = first;
    // A stopped process answers nothing, like one whose every thread is wedged.
    await stopProcess(pid!);
    const started = performance.now();
    await expectRejection(own.resolve(two, {}), 'TASKRES_TIMEOUT', /did not answer a batch of 1 evaluation/);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(batchDeadlineMs(1, 100) - 50);
    expect(elapsedMs).toBeLessThan(batchDeadlineMs(1, 100) + 3000);
    expect((await own.resolve(two, {})).cpu).toBe(2);
    expect(own.sandboxStarts).toBe(2);
    // Stopped again with work in flight: close() still returns, after that work's deadline.
    const [next] = sandboxesWith(mark).filter((p) => p !== pid);
    expect(next).toBeDefined();
    await stopProcess(next!);
    const inFlight = own.resolve(two, {}).catch((error: unknown) => error);
    const closing = performance.now();
    await own.close();
    expect(performance.now() - closing).toBeLessThan(batchDeadlineMs(1, 100) + 3000);
    expect(await inFlight).toMatchObject({ code: 'TASKRES_TIMEOUT' });
    expect(sandboxesWith(mark)).toEqual([]);
  }, 40_000);

  it('rejects unknown or invalid options with TASKRES_INVALID_SPEC', () => {
    expect(() => createResolver({ timeout: 5 } as never)).toThrow(/unknown option 'timeout'.*did you mean 'timeoutMs'/);
    expect(() => createResolver({ threads: 0 })).toThrow(/threads/);
    expect(() => createResolver({ limits: { cpu: { min: 5, max: 2 } } })).toThrow(/min 5 above max 2/);
    expect(() => createResolver({ fileSize: async () => 1, fileSizes: async () => [] })).toThrow(/not both/);
  });
});
