/**
 * Which isolated-vm runs on which Node, and what a user hears when none can: real sandbox
 * processes, pointed at a missing or unbuilt isolated-vm (TASKRES_ISOLATED_VM) or made to die
 * at start (NODE_OPTIONS --require, read by the sandbox process only).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, TaskresError, createResolver, defineTask } from '../dist/index.js';
import { MAX_FAILED_STARTS, restartDelayMs } from '../src/resolver/supervisor.js';
import {
  ISOLATED_VM_OVERRIDE_ENV,
  ISOLATED_VM_RELEASES,
  SUPPORTED_NODE_LINES,
  classifyLoadError,
  describeAbi,
  loadIsolatedVm,
  runningNode,
} from '../src/sandbox-worker/load-ivm.js';
import { expectRejection } from './helpers/expect-error.js';

const ROOT = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const scratch = mkdtempSync(join(tmpdir(), 'taskres-platform-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const two = defineTask({ name: 'two', params: ['n'], resources: { cpu: '({ n }) => n + 1', memory: 1 } });

/** Sets environment variables for the sandbox processes started until the test ends. */
const savedEnv = new Map<string, string | undefined>();
function setEnv(name: string, value: string): void {
  if (!savedEnv.has(name)) savedEnv.set(name, process.env[name]);
  process.env[name] = value;
}
afterEach(() => {
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  savedEnv.clear();
});

describe('dependencies: one npm install gives the isolated-vm for the Node that runs it', () => {
  it('declares each isolated-vm release as an optional dependency, under the name the loader looks for', () => {
    // Optional: a release that cannot build on this Node is dropped without failing the install.
    expect(manifest.dependencies['isolated-vm']).toBeUndefined();
    for (const release of ISOLATED_VM_RELEASES) {
      const spec = manifest.optionalDependencies[release.specifier];
      expect(spec, release.specifier).toBe(release.specifier === 'isolated-vm' ? release.version : `npm:isolated-vm@${release.version}`);
    }
    expect(Object.keys(manifest.optionalDependencies).sort()).toEqual(ISOLATED_VM_RELEASES.map((r) => r.specifier).sort());
    // npm 11 matches allowScripts by the real package name, aliases included.
    expect(manifest.allowScripts['isolated-vm']).toBe(true);
  });

  it('has engines that name exactly the Node lines CI tests, and a release for each', () => {
    const ranges = manifest.engines.node.split('||').map((range) => range.trim());
    expect(ranges.map((range) => Number(/^\^(\d+)\./.exec(range)?.[1]))).toEqual(SUPPORTED_NODE_LINES);
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    const machine = Number(/MACHINE_NODE_LINE=(\d+)/.exec(ci)![1]);
    const others = /OTHER_NODES=\(([^)]*)\)/.exec(ci)![1]!.trim().split(/\s+/);
    expect([machine, ...others.map((v) => Number(v.split('.')[0]))].sort((a, b) => a - b)).toEqual(SUPPORTED_NODE_LINES);
    for (const line of SUPPORTED_NODE_LINES) expect(ISOLATED_VM_RELEASES.some((r) => r.nodeLines.includes(line)), `Node ${line}`).toBe(true);
    // The README's table says the same, with the exact versions CI runs.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Supported platforms'), readme.indexOf('\n## ', readme.indexOf('## Supported platforms') + 1));
    for (const version of others) expect(section).toContain(`| ${version.split('.')[0]} (${version}) |`);
    expect(section).toContain(`| ${machine} (`);
    expect(section).toContain(`\`${manifest.engines.node}\``);
  });

  it('loads, on this Node, the release made for its line, at the pinned version', () => {
    const load = loadIsolatedVm();
    expect(load.problem).toBeUndefined();
    const { line } = runningNode();
    const expected = ISOLATED_VM_RELEASES.find((r) => r.nodeLines.includes(line))!;
    expect(load.loaded?.specifier).toBe(expected.specifier);
    expect(load.loaded?.version).toBe(expected.version);
    expect(load.loaded?.location).toBe(dirname(createRequire(import.meta.url).resolve(`${expected.specifier}/package.json`)));
    expect(typeof load.module?.Isolate).toBe('function');
  });
});

describe('why isolated-vm does not load, from the errors Node and node-gyp-build give', () => {
  it('names the Node a binary was built for, from Node’s NODE_MODULE_VERSION message', () => {
    // Node 24's own words for isolated-vm 5.0.4 built on Node 20.
    const message =
      "The module '/app/node_modules/isolated-vm-5/out/isolated_vm.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).";
    expect(classifyLoadError(Object.assign(new Error(message), { code: 'ERR_DLOPEN_FAILED' }))).toEqual({ state: 'wrong-abi', builtForAbi: 115 });
    // Node 24 loading isolated-vm 6.2.0's binary for Node 22: dlopen fails before the version check.
    const symbol =
      '/app/node_modules/isolated-vm/prebuilds/linux-x64/isolated-vm.abi127.glibc.node: undefined symbol: _ZN2v811ArrayBuffer9Allocator10ReallocateEPvmm';
    expect(classifyLoadError(Object.assign(new Error(symbol), { code: 'ERR_DLOPEN_FAILED' }))).toEqual({ state: 'wrong-abi', builtForAbi: 127 });
    expect(classifyLoadError(Object.assign(new Error('/x/isolated_vm.node: undefined symbol: _ZN4node11Environment'), { code: 'ERR_DLOPEN_FAILED' }))).toEqual({ state: 'wrong-abi' });
    expect(describeAbi(115)).toBe('Node 20 (ABI 115)');
    expect(describeAbi(137)).toBe('Node 24 (ABI 137)');
    expect(describeAbi(999)).toBe('another Node (ABI 999)');
    const noBuild = 'No native build was found for platform=linux arch=x64 runtime=node abi=115 uv=1 libc=glibc node=20.20.2\n    loaded from: /app/node_modules/isolated-vm\n';
    expect(classifyLoadError(new Error(noBuild))).toMatchObject({ state: 'not-built', detail: expect.stringContaining('abi=115') });
    expect(classifyLoadError(Object.assign(new Error("Cannot find module './out/isolated_vm'"), { code: 'MODULE_NOT_FOUND' }))).toMatchObject({ state: 'not-built' });
    expect(classifyLoadError(new Error('libstdc++.so.6: version GLIBCXX_3.4.32 not found'))).toMatchObject({ state: 'failed', detail: expect.stringContaining('GLIBCXX') });
  });

  it('refuses, with its ABI named, every installed isolated-vm binary that is for another Node', async () => {
    // isolated-vm 6.2.0 ships binaries for Node 22 and 24: on either, the other one is a real
    // binary built for another Node. (Node 20 installs only isolated-vm 5, built for itself;
    // .ci/run checks that install under Node 24.)
    const { abi } = runningNode();
    const prebuilds = loadIsolatedVm().candidates.flatMap((c) => {
      const dir = c.location ? join(c.location, 'prebuilds', `${process.platform}-${process.arch}`) : '';
      return dir && existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.glibc.node') && !f.includes(`.abi${abi}.`)).map((f) => join(dir, f)) : [];
    });
    for (const binary of prebuilds) {
      const built = Number(/\.abi(\d+)\./.exec(binary)![1]);
      setEnv(ISOLATED_VM_OVERRIDE_ENV, binary);
      const resolver = createResolver({ threads: 1 });
      try {
        await expectRejection(resolver.resolve(two, { n: 1 }), 'TASKRES_SANDBOX_UNAVAILABLE', new RegExp(`was built for ${describeAbi(built).replace(/[()]/g, '\\$&')} but this is Node ${runningNode().line} \\(ABI ${abi}\\)`));
        expect(resolver.sandboxStarts).toBe(1);
      } finally {
        await resolver.close();
      }
    }
    expect(prebuilds.length).toBe(runningNode().line === 20 ? 0 : 1);
  });
});

describe('TASKRES_SANDBOX_UNAVAILABLE: when the sandbox cannot run, every call says why and how to fix it', () => {
  it('rejects every call at once when isolated-vm is missing, without restarting the sandbox process', async () => {
    setEnv(ISOLATED_VM_OVERRIDE_ENV, join(scratch, 'no-such-isolated-vm'));
    const started = performance.now();
    const resolver = createResolver({ threads: 2 });
    try {
      const outcomes = await resolver.resolveMany([1, 2, 3].map((n) => ({ task: two, args: { n } })));
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as { reason: TaskresError }).reason;
        expect(reason).toBeInstanceOf(TaskresError);
        expect(reason.code).toBe('TASKRES_SANDBOX_UNAVAILABLE');
        expect(reason.message).toContain(`nothing is installed at ${join(scratch, 'no-such-isolated-vm')}`);
        expect(reason.message).toContain(`unset ${ISOLATED_VM_OVERRIDE_ENV}`);
      }
      expect(performance.now() - started).toBeLessThan(5000);
      // Later calls are refused the same way, without another start.
      await expectRejection(resolver.resolve(two, { n: 4 }), 'TASKRES_SANDBOX_UNAVAILABLE', /cannot start its sandbox/);
      expect(resolver.sandboxStarts).toBe(1);
      // Tasks without functions need no sandbox.
      expect(await resolver.resolve(defineTask({ name: 'fixed', params: [], resources: { cpu: 2, memory: 1 } }), {})).toMatchObject({ cpu: 2 });
    } finally {
      await resolver.close();
    }
    expect(Object.keys(ERROR_CODES)).toContain('TASKRES_SANDBOX_UNAVAILABLE');
  });

  it('says an installed isolated-vm has no build, and how to build it', async () => {
    // The package as it is when its install script never ran: its JavaScript, no binary.
    const load = loadIsolatedVm();
    const source = load.loaded!.location!;
    const copy = join(scratch, 'node_modules', 'unbuilt-isolated-vm');
    mkdirSync(copy, { recursive: true });
    const main = (JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { main: string }).main;
    for (const file of ['package.json', main]) cpSync(join(source, file), join(copy, file));
    // isolated-vm 6 finds its binary with node-gyp-build, which must be there to say it found none.
    const helper = join(source, '..', 'node-gyp-build');
    if (existsSync(helper)) cpSync(helper, join(scratch, 'node_modules', 'node-gyp-build'), { recursive: true });
    setEnv(ISOLATED_VM_OVERRIDE_ENV, copy);
    const resolver = createResolver({ threads: 1 });
    try {
      const error = await expectRejection(resolver.resolve(two, { n: 1 }), 'TASKRES_SANDBOX_UNAVAILABLE');
      expect(error.message).toContain(`the isolated-vm at ${copy} is installed but not built for Node ${runningNode().line} (ABI ${runningNode().abi})`);
      expect(error.message).not.toMatch(/threw|crashed/);
      expect(resolver.sandboxStarts).toBe(1);
    } finally {
      await resolver.close();
    }
  });

  it('gives up after a bounded number of failed starts, with a pause between them, naming what the process said', async () => {
    const die = join(scratch, 'die-at-start.cjs');
    writeFileSync(die, "process.stderr.write('sandbox cannot start: out of file descriptors\\n'); process.exit(3);\n");
    // Read by the sandbox processes this resolver starts (this process has long started).
    setEnv('NODE_OPTIONS', `--require ${die}`);
    const started = performance.now();
    const resolver = createResolver({ threads: 1 });
    try {
      const error = await expectRejection(resolver.resolve(two, { n: 1 }), 'TASKRES_SANDBOX_UNAVAILABLE');
      const elapsedMs = performance.now() - started;
      expect(error.message).toContain(`failed to start ${MAX_FAILED_STARTS} times in a row`);
      expect(error.message).toContain('exited (code 3): sandbox cannot start: out of file descriptors');
      expect(error.message).toContain('npx taskres doctor');
      expect(resolver.sandboxStarts).toBe(MAX_FAILED_STARTS);
      // The pauses were taken, and the whole took a few seconds, not a restart loop.
      let pauses = 0;
      for (let n = 1; n < MAX_FAILED_STARTS; n++) pauses += restartDelayMs(n);
      expect(elapsedMs).toBeGreaterThanOrEqual(pauses);
      expect(elapsedMs).toBeLessThan(pauses + 8000);
      await expectRejection(resolver.resolve(two, { n: 2 }), 'TASKRES_SANDBOX_UNAVAILABLE');
      expect(resolver.sandboxStarts).toBe(MAX_FAILED_STARTS);
    } finally {
      await resolver.close();
    }
  });

  it('retries a start that failed once, and then works', async () => {
    const marker = join(scratch, 'died-once');
    const dieOnce = join(scratch, 'die-once.cjs');
    writeFileSync(dieOnce, `const fs = require('node:fs');\nif (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(4); }\n`);
    setEnv('NODE_OPTIONS', `--require ${dieOnce}`);
    const resolver = createResolver({ threads: 1 });
    try {
      expect(await resolver.resolve(two, { n: 1 })).toMatchObject({ cpu: 2 });
      expect(resolver.sandboxStarts).toBe(2);
    } finally {
      await resolver.close();
    }
  });
});
