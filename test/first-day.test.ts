/**
 * What a new user trips over on the first day, through each channel they use (the library,
 * the CLI, HTTP): units written the Kubernetes or Snakemake way, the 500 GiB storage default,
 * hints worded for the channel that reads them, and failureFromPod on pods that did not fail.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Allocator,
  TaskFile,
  checkTaskSpec,
  createResolver,
  customTask,
  defaultedResources,
  defineTask,
  smallTask,
  toKubernetesResources,
  type Resolver,
} from '../dist/index.js';
import { expectRejection, expectTaskresError } from './helpers/expect-error.js';
import { post, serve, untilReady, type Served } from './helpers/server.js';

const BIN = new URL('../bin/taskres.js', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'taskres-first-day-'));

function taskres(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function write(name: string, value: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

/** Specs as people write them coming from Kubernetes (500m, 16Gi) or Snakemake (mem_mb), and what they are told. */
const UNIT_MISTAKES: [string, Record<string, unknown>, string][] = [
  ['a fraction of GiB', { cpu: 1, memory: 1.5 }, 'memory is in whole GiB; write 2'],
  ['MiB where GiB belong', { cpu: 1, memory: 16000 }, '16000 GiB: memory is in GiB; did you mean 16?'],
  ['a number as a string', { cpu: '8', memory: 1 }, '"8" is a string; write the number 8'],
  ['Kubernetes millicores', { cpu: '500m', memory: 1 }, '"500m" is a Kubernetes quantity; cpu is a number of whole cores: write the number 1'],
  ['a Kubernetes memory quantity', { cpu: 1, memory: '16Gi' }, '"16Gi" is a Kubernetes quantity; memory is a number of whole GiB: write the number 16'],
  ['half a core', { cpu: 0.5, memory: 1 }, 'cpu is in whole cores; write 1'],
  ['disk for storage', { cpu: 1, memory: 1, disk: 50 }, "Unknown resource option 'disk' in task 'qc' (did you mean 'storage', in GiB?)"],
  ['mem_mb for memory', { cpu: 1, mem_mb: 16000 }, "Unknown resource option 'mem_mb' in task 'qc' (did you mean 'memory', in GiB?)"],
];

describe('unit mistakes in data get the unit and the number to write', () => {
  it.each(UNIT_MISTAKES)('through the library: %s', (_what, resources, advice) => {
    const problems = checkTaskSpec({ name: 'qc', params: [], resources });
    expect(problems.map((p) => p.code)).toContain('TASKRES_INVALID_SPEC');
    expect(problems.map((p) => p.message).join('\n')).toContain(advice);
    // Advice written for code does not reach data.
    expect(problems.map((p) => p.message).join('\n')).not.toMatch(/Math\.ceil|limits\.\w+\.max|not valid JavaScript/);
  });

  it('through the CLI: taskres check and taskres resolve', async () => {
    const specs = UNIT_MISTAKES.map(([, resources], i) => ({ name: `qc${i}`, params: [], resources }));
    const checked = await taskres('check', write('units.json', specs));
    expect(checked.code).toBe(1);
    for (const [, , advice] of UNIT_MISTAKES) expect(checked.stdout).toContain(advice.replace("'qc'", `'qc${UNIT_MISTAKES.findIndex(([, , a]) => a === advice)}'`));
    const resolved = await taskres('resolve', write('string-cpu.json', { name: 'qc', params: [], resources: { cpu: '8', memory: 1 } }), '--args', write('empty-args.json', {}));
    expect(resolved.code).toBe(1);
    expect(resolved.stderr).toContain('"8" is a string; write the number 8');
  }, 120_000);

  it('a spec of 100,000 unknown options costs twenty suggestions and one count, not 100,000 errors', () => {
    const resources: Record<string, unknown> = { cpu: 1, memory: 1 };
    for (let i = 0; i < 100_000; i++) resources[`k${i}`] = 1;
    const problems = checkTaskSpec({ name: 'noise', params: [], resources });
    expect(problems).toHaveLength(21);
    expect(problems.at(-1)!.message).toBe("task 'noise' has 99980 more unknown resource options besides those above. Valid options: cpu, memory, storage, gpu, gpuType, retry.");
  });

  it('code keeps the advice written for code', async () => {
    expectTaskresError(() => customTask({ cpu: 2.5, memory: 8 })(function work() {}), 'TASKRES_INVALID_SPEC', /cpu is in whole cores; round it with Math\.ceil or Math\.floor/);
    expectTaskresError(() => customTask({ cpu: 1, memory: 16000 })(function work() {}), 'TASKRES_INVALID_SPEC', /16000 GiB: memory is in GiB; did you mean 16\? \(16000 looks like MiB\); if not, lower it/);
  });
});

describe('the storage default', () => {
  let resolver: Resolver | undefined;
  afterAll(async () => resolver?.close());
  const qc = smallTask(function qc({ reads }: { reads: string }) {
    return reads;
  });
  const declared = customTask({ cpu: 2, memory: 4, storage: 50 })(function declaredStorage({ reads }: { reads: string }) {
    return reads;
  });

  it('is set by the resolver for tasks that declare none, and left alone for tasks that do', async () => {
    resolver = createResolver({ threads: 1, defaultStorageGiB: 20 });
    expect(resolver.options.defaultStorageGiB).toBe(20);
    expect(await resolver.resolve(qc, { reads: 'x' })).toEqual({ cpu: 2, memory: 4, storage: 20, gpu: 0 });
    expect(await resolver.resolve(declared, { reads: 'x' })).toEqual({ cpu: 2, memory: 4, storage: 50, gpu: 0 });
    // The same for a task sent as JSON: storage it never declared stays undeclared in its spec.
    const roundTrip = defineTask(JSON.parse(JSON.stringify(qc.toJSON())));
    expect((await resolver.resolve(roundTrip, { reads: 'x' })).storage).toBe(20);
    const dynamic = defineTask({ name: 'dyn', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
    expect(await resolver.resolve(dynamic, { n: 3 })).toEqual({ cpu: 3, memory: 1, storage: 20, gpu: 0 });
  });

  it('at 0 leaves ephemeral-storage out of the Kubernetes resources', async () => {
    const none = createResolver({ threads: 1, defaultStorageGiB: 0 });
    try {
      const r = await none.resolve(qc, { reads: 'x' });
      expect(r.storage).toBe(0);
      expect(toKubernetesResources(r)).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
      expect(toKubernetesResources(await none.resolve(declared, { reads: 'x' })).requests['ephemeral-storage']).toBe('50Gi');
    } finally {
      await none.close();
    }
  });

  it('is validated with the other options', () => {
    expectTaskresError(() => createResolver({ defaultStorageGiB: -1 }), 'TASKRES_INVALID_SPEC', /defaultStorageGiB/);
    expectTaskresError(() => createResolver({ defaultStorageGiB: 100, limits: { storage: { max: 50 } } }), 'TASKRES_INVALID_SPEC', /defaultStorageGiB 100 is outside limits\.storage \(0 to 50\)/);
    expectTaskresError(() => createResolver({ limits: { storage: { max: 200 } } }), 'TASKRES_INVALID_SPEC', /the default is 500 GiB: set defaultStorageGiB/);
    expectTaskresError(() => createResolver({ defaultStorage: 10 } as never), 'TASKRES_INVALID_SPEC', /did you mean 'defaultStorageGiB'/);
  });

  it('is named in TASKRES_UNSCHEDULABLE when it is what does not fit, with how to declare it', async () => {
    const standard = createResolver({ threads: 1 });
    try {
      const allocator = new Allocator({ nodes: [{ name: 'small-disk', cpu: 16, memory: 64, storage: 200, gpu: 0 }] });
      const defaulted = await standard.resolve(qc, { reads: 'x' });
      expect(defaultedResources(defaulted)).toEqual(['storage']);
      const error = await expectRejection(allocator.place(defaulted), 'TASKRES_UNSCHEDULABLE');
      expect(error.message).toContain("The 500 GiB of storage is the default (Latch's default) for a task that declares no storage");
      expect(error.message).toContain('createResolver({ defaultStorageGiB })');
      // A request whose storage was declared says nothing about defaults.
      const big = customTask({ cpu: 2, memory: 4, storage: 300 })(function bigDisk() {});
      const declaredError = await expectRejection(allocator.place(await standard.resolve(big, {})), 'TASKRES_UNSCHEDULABLE');
      expect(declaredError.message).not.toContain('default');
      expect(defaultedResources({ cpu: 1, memory: 1, storage: 500, gpu: 0 })).toEqual([]);
    } finally {
      await standard.close();
    }
  });
});

/** A function that calls size() on an element of a list that holds path strings. */
const SIZER_SPEC = { name: 'sizer', params: ['files'], resources: { cpu: 1, memory: 1, storage: '({ files }) => Math.ceil(files[0].size() / 1e9)' } };
/** The largest list the CLI's line limit (1 MiB) and the server's default body limit allow, roughly. */
const MANY = 200_000;

describe('hints are worded for the channel they reach', () => {
  let resolver: Resolver;
  let server: Served;
  const data = join(scratch, 'data');
  beforeAll(async () => {
    resolver = createResolver({ threads: 1 });
    writeFileSync(join(scratch, 'a.fq'), 'x'.repeat(10));
    server = await serve('--threads', '1');
    await untilReady(server.url);
  }, 60_000);
  afterAll(async () => {
    await resolver?.close();
    await server?.stop();
  });

  const PATH_HINT = {
    library: "Hint: 'files' holds strings; pass new TaskFile(path) to give the function file objects with size().",
    cli: 'Hint: \'files\' holds strings; write each file as { "$file": "path" } in the args file (relative to it) to give the function file objects with size().',
    http: 'Hint: \'files\' holds strings; send each file as { "$file": "...", "size": bytes } (or { "$file": "path" } under the server\'s --files-root) to give the function file objects with size().',
  };

  it('a path string where a file belongs: the library says new TaskFile(path), even for 200,000 strings', async () => {
    const sizer = defineTask(SIZER_SPEC);
    const one = await expectRejection(resolver.resolve(sizer, { files: ['a.fq'] }), 'TASKRES_FUNCTION_THREW');
    expect(one.message).toContain(PATH_HINT.library);
    const many = await expectRejection(resolver.resolve(sizer, { files: new Array<string>(MANY).fill('r.fq') }), 'TASKRES_FUNCTION_THREW');
    expect(many.message).toContain(PATH_HINT.library);
    // The resolver (and this process) lives on.
    expect(await resolver.resolve(sizer, { files: [new TaskFile(join(scratch, 'a.fq'))] })).toMatchObject({ storage: 1 });
  }, 60_000);

  it('the CLI says { "$file": "path" }, for --args and for a --requests line of 200,000 strings', async () => {
    const spec = write('sizer.json', SIZER_SPEC);
    const single = await taskres('resolve', spec, '--args', write('strings.json', { files: ['a.fq'] }));
    expect(single.code).toBe(1);
    expect(single.stderr).toContain(PATH_HINT.cli);
    expect(single.stderr).not.toContain('TaskFile');
    const lines = `${JSON.stringify({ args: { files: new Array<string>(MANY).fill('r') } })}\n${JSON.stringify({ args: { files: [{ $file: 'a.fq' }] } })}\n`;
    const batch = await taskres('resolve', spec, '--requests', write('requests.jsonl', lines));
    expect(batch.code).toBe(1);
    const outcomes = batch.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(outcomes).toHaveLength(2);
    expect(outcomes[0].error.message).toContain(PATH_HINT.cli);
    expect(outcomes[1]).toMatchObject({ status: 'fulfilled', resources: { storage: 1 } });
  }, 180_000);

  it('HTTP says { "$file": "...", "size": bytes }, for a body of 200,000 strings too, and the server lives on', async () => {
    const small = await post(`${server.url}/v1/resolve`, { task: SIZER_SPEC, args: { files: ['a.fq'] } });
    expect(small.status).toBe(422);
    expect(small.body.detail).toContain(PATH_HINT.http);
    const large = await post(`${server.url}/v1/resolve`, { task: SIZER_SPEC, args: { files: new Array<string>(MANY).fill('r') } });
    expect(large.status).toBe(422);
    expect(large.body.detail).toContain(PATH_HINT.http);
    const ok = await post(`${server.url}/v1/resolve`, { task: SIZER_SPEC, args: { files: [{ $file: 'x', size: 3e9 }] } });
    expect(ok.status).toBe(200);
    expect(ok.body.resources.storage).toBe(3);
  }, 120_000);

  it('a file the default provider cannot size: each channel says how to give its size there', async () => {
    const sizer = defineTask(SIZER_SPEC);
    const library = await expectRejection(resolver.resolve(sizer, { files: [new TaskFile('s3://bucket/r.fq')] }), 'TASKRES_FILE_SIZE');
    expect(library.message).toContain('Hint: give its size, new TaskFile(uri, { size: bytes }), or give createResolver a fileSize provider');
    const cli = await taskres('resolve', write('sizer2.json', SIZER_SPEC), '--args', write('s3.json', { files: [{ $file: 's3://bucket/r.fq' }] }));
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('Hint: give its size in the args file, { "$file": "s3://...", "size": bytes }');
    expect(cli.stderr).not.toContain('createResolver');
    // A provider of one's own fails in its own words: no hint about the default one.
    const own = createResolver({ threads: 1, fileSize: () => Promise.reject(new Error('no such object')) });
    try {
      const error = await expectRejection(own.resolve(sizer, { files: [new TaskFile('s3://bucket/r.fq')] }), 'TASKRES_FILE_SIZE');
      expect(error.message).not.toContain('Hint');
    } finally {
      await own.close();
    }
    expect(data).toBeTruthy();
  }, 120_000);
});

describe('the CLI on the first day', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('resolve MODULE --task NAME resolves that task when another task of the module is broken', async () => {
    const module = write(
      'mixed.mjs',
      `import { customTask } from 'taskres';
export const call = customTask({ cpu: 2, memory: 4, storage: 10 })(function call({ n }) { return n; });
export const broken = customTask({ cpu: 2, memory: 4, disk: 10 })(function broken({ n }) { return n; });
`,
    );
    const args = write('n.json', { n: 1 });
    const good = await taskres('resolve', module, '--task', 'call', '--args', args);
    expect(good.stderr).toBe('');
    expect(JSON.parse(good.stdout)).toEqual({ cpu: 2, memory: 4, storage: 10, gpu: 0 });
    const bad = await taskres('resolve', module, '--task', 'broken', '--args', args);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Unknown resource option 'disk' in task 'broken' (did you mean 'storage', in GiB?)");
  }, 120_000);

  it('check says so when there is nothing to check, in its own words', async () => {
    const empty = await taskres('check', write('empty.json', []));
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain('holds an empty array');
    const missing = await taskres('check', join(scratch, 'nothing.ts'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    expect(missing.stderr).toContain('ENOENT');
    expect(missing.stderr).not.toMatch(/Could not resolve/);
    // A relative name: the message says it in words and which absolute path was looked for.
    const relative = await taskres('check', 'no-such-spec.json');
    expect(relative.code).toBe(2);
    expect(relative.stderr).toMatch(/cannot read no-such-spec\.json: no such file \(ENOENT\); looked for \/.*\/no-such-spec\.json/);
    const noTasks = await taskres('check', write('no-tasks.mjs', 'export const x = 1;\n'));
    expect(noTasks.code).toBe(1);
    expect(noTasks.stdout).toContain('exports no tasks');
  }, 120_000);

  it('the rest-element advice uses the task\'s own names', () => {
    const problems = checkTaskSpec({ name: 't', params: ['reads', 'sample'], resources: { cpu: '({ reads, other }) => reads.length', memory: 1 } });
    expect(problems[0]!.message).toContain('use a rest element ({ reads, ...rest })');
    expect(problems[0]!.message).not.toContain('files');
  });

  it('--help lists only the commands this installation has', async () => {
    const help = await taskres('--help');
    const benchBuilt = (await import('node:fs')).existsSync(join(ROOT, 'dist', 'bench.js'));
    expect(help.stdout.includes('  bench ')).toBe(benchBuilt);
    expect(help.stdout).toContain('  resolve ');
    expect(help.stdout).not.toContain('seed');
  }, 60_000);
});

describe('the install', () => {
  it('installs isolated-vm 5 (the Node 20 build) only on Node 20, so npm ci on Node 22 and 24 compiles nothing', async () => {
    // npm skips an optional package whose engines do not match the running Node, reading them
    // from the lockfile in `npm ci`. isolated-vm 5.0.4 declares >=18 in its own manifest, so
    // `npm install` writes that back: restore '^20.0.0' here (docs/install.md says why).
    const { readFileSync } = await import('node:fs');
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string }; optional?: boolean }> };
    const five = lock.packages['node_modules/isolated-vm-5']!;
    const six = lock.packages['node_modules/isolated-vm']!;
    expect(five.optional).toBe(true);
    expect(five.engines?.node, "package-lock.json: packages['node_modules/isolated-vm-5'].engines.node").toBe('^20.0.0');
    expect(six.optional).toBe(true);
    expect(six.engines?.node).toBe('>=22.0.0');
    // No package that installs on Node 20 asks for a newer Node (npm would warn EBADENGINE).
    const newer = Object.entries(lock.packages).filter(([name, entry]) => name !== 'node_modules/isolated-vm' && !name.includes('vite') && /^>=2[1-9]/.test(entry.engines?.node ?? ''));
    expect(newer.map(([name]) => name)).toEqual([]);
  });
});

describe('the CLI names what is missing', () => {
  it('says which positional argument a command expected (SPEC, TOOL.cwl)', async () => {
    const check = await taskres('check');
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('expected 1 argument (SPEC), received 0');
    const cwl = await taskres('cwl');
    expect(cwl.code).toBe(2);
    expect(cwl.stderr).toContain('TOOL.cwl');
  }, 60_000);

  it('warns when serve listens beyond loopback without --token-file, and not on loopback', async () => {
    const open = await serve('--host', '0.0.0.0', '--tasks', 'examples/seed-tasks.json');
    try {
      // The warning follows the listening line: wait for it on the stream, not a timer.
      await new Promise<void>((resolve) => {
        const seen = (): void => {
          if (open.stderr().includes('without --token-file')) resolve();
        };
        seen();
        open.child.stderr!.on('data', seen);
      });
      expect(open.stderr()).toContain('give --token-file FILE, or --host 127.0.0.1');
    } finally {
      await open.stop();
    }
    const local = await serve('--tasks', 'examples/seed-tasks.json');
    await untilReady(local.url);
    await local.stop();
    expect(local.stderr()).not.toContain('without --token-file');
  }, 60_000);
});
