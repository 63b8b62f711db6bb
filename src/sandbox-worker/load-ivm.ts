/**
 * Finds and loads the isolated-vm built for the Node that runs this process, or says exactly
 * why there is none and what fixes it.
 *
 * No single isolated-vm release builds on every Node line taskres supports, so taskres
 * depends on two, both optional (npm skips the one whose `engines` exclude the running Node,
 * and drops one whose build fails, without failing the install):
 *
 * | installed as    | release | Node lines | binary |
 * |---|---|---|---|
 * | `isolated-vm`   | 6.2.0   | 22, 24     | prebuilt, shipped in the package |
 * | `isolated-vm-5` | 5.0.4   | 20 (and 22) | compiled at install |
 *
 * The release made for the running Node line is tried first; the first that loads is used.
 * Everything in taskres that needs isolated-vm gets it from here (see ./ivm.ts).
 *
 * Before any of this, the running V8 must be one the sandbox was tested with (./v8-gate.ts):
 * on another, nothing is loaded and the problem names the version and how to accept it.
 *
 * `TASKRES_ISOLATED_VM`, when set, names the one module to load instead (a package name, or
 * a path to a package directory or a `.node` file): for diagnosis, and for tests that need
 * an isolated-vm that is missing or built for another Node.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { IsolatedVmModule } from './ivm-api.js';
import { runningV8Problem } from './v8-gate.js';

/** An isolated-vm release taskres can use. */
export interface IsolatedVmRelease {
  /** The name it is installed under (an npm alias for all but one). */
  specifier: string;
  /** The release taskres pins. */
  version: string;
  /** The Node major versions it builds and runs on, as tested. */
  nodeLines: readonly number[];
}

/** The isolated-vm releases of package.json's optionalDependencies, newest first. */
export const ISOLATED_VM_RELEASES: readonly IsolatedVmRelease[] = [
  { specifier: 'isolated-vm', version: '6.2.0', nodeLines: [22, 24] },
  { specifier: 'isolated-vm-5', version: '5.0.4', nodeLines: [20, 22] },
];

/** The Node lines taskres supports (those its CI tests). */
export const SUPPORTED_NODE_LINES: readonly number[] = [20, 22, 24];

/** Node flags a process needs to create isolates: isolated-vm requires `--no-node-snapshot` on Node 20 and later. */
export const ISOLATED_VM_NODE_FLAGS: readonly string[] = ['--no-node-snapshot'];

/** The environment variable that points the loader at one module instead of the releases above. */
export const ISOLATED_VM_OVERRIDE_ENV = 'TASKRES_ISOLATED_VM';

/** NODE_MODULE_VERSION (native ABI) of each Node line, to name the Node a binary was built for. */
const NODE_LINE_OF_ABI: Readonly<Record<number, number>> = { 93: 16, 108: 18, 115: 20, 120: 21, 127: 22, 131: 23, 137: 24, 141: 25 };

/** What became of one candidate module. */
export type CandidateState =
  /** It loaded: this is the isolated-vm in use. */
  | 'loaded'
  /** Not installed. */
  | 'missing'
  /** Installed, but with no native build for this Node (its build never ran, or failed). */
  | 'not-built'
  /** Its native build is for another Node (NODE_MODULE_VERSION mismatch, or V8/Node symbols this Node lacks). */
  | 'wrong-abi'
  /** Installed and built, but loading it failed otherwise. */
  | 'failed'
  /** Installed; not loaded, because one tried before it loaded. */
  | 'not-tried';

/** One module the loader considered, and what became of it. */
export interface CandidateReport {
  specifier: string;
  /** The release taskres expects under this name; undefined for TASKRES_ISOLATED_VM. */
  release: IsolatedVmRelease | undefined;
  /** The version found in its package.json, when installed. */
  version: string | undefined;
  /** Where it is installed (its package directory, or the file given). */
  location: string | undefined;
  state: CandidateState;
  /** For 'wrong-abi': the NODE_MODULE_VERSION its binary was built for, when known. */
  builtForAbi?: number;
  /** A short reason for 'not-built' and 'failed'. */
  detail?: string;
}

/** Why no isolated-vm can run here (or the V8 is untested), and what to do about it. */
export interface IsolatedVmProblem {
  cause: string;
  fix: string;
}

/** The outcome of looking for isolated-vm. */
export interface IsolatedVmLoad {
  /** The loaded module, when one loaded. */
  module: IsolatedVmModule | undefined;
  /** The candidate that loaded. */
  loaded: CandidateReport | undefined;
  /** Every candidate, in the order tried. */
  candidates: CandidateReport[];
  /** Why none loaded; undefined when one did. */
  problem: IsolatedVmProblem | undefined;
  /** The TASKRES_ISOLATED_VM value in force, if any. */
  override: string | undefined;
}

/** The running Node: version, line and native ABI. */
export function runningNode(): { version: string; line: number; abi: number } {
  return { version: process.versions.node, line: Number(process.versions.node.split('.')[0]), abi: Number(process.versions.modules) };
}

/** `Node 20 (ABI 115)`, or `another Node (ABI 999)` for an ABI it does not know. */
export function describeAbi(abi: number): string {
  const line = NODE_LINE_OF_ABI[abi];
  return line === undefined ? `another Node (ABI ${abi})` : `Node ${line} (ABI ${abi})`;
}

let cached: IsolatedVmLoad | undefined;

/**
 * Loads isolated-vm once per thread (later calls return the same outcome). Never throws:
 * a failure is described in `problem`.
 */
export function loadIsolatedVm(): IsolatedVmLoad {
  cached ??= refuseUntestedV8() ?? search(process.env[ISOLATED_VM_OVERRIDE_ENV] || undefined);
  return cached;
}

/** On a V8 the sandbox was not tested with (./v8-gate.ts), nothing is loaded: the problem says why. */
function refuseUntestedV8(): IsolatedVmLoad | undefined {
  const problem = runningV8Problem();
  return problem && { module: undefined, loaded: undefined, candidates: [], problem, override: process.env[ISOLATED_VM_OVERRIDE_ENV] || undefined };
}

/**
 * The isolated-vm module; throws an Error whose message is the problem's cause and fix when
 * none can be loaded.
 */
export function requireIsolatedVm(): IsolatedVmModule {
  const load = loadIsolatedVm();
  if (load.module) return load.module;
  throw new Error(unavailableMessage(load.problem!));
}

/** The one-line text of a problem: cause, then fix. */
export function unavailableMessage(problem: IsolatedVmProblem): string {
  return `${problem.cause}: ${problem.fix}`;
}

function search(override: string | undefined): IsolatedVmLoad {
  const require = createRequire(import.meta.url);
  const { line } = runningNode();
  const releases = override
    ? [{ specifier: override, release: undefined }]
    : [...ISOLATED_VM_RELEASES]
        // The release made for this Node line first; the other stays a fallback.
        .sort((a, b) => Number(b.nodeLines.includes(line)) - Number(a.nodeLines.includes(line)))
        .map((release) => ({ specifier: release.specifier, release }));
  const candidates: CandidateReport[] = [];
  let module: IsolatedVmModule | undefined;
  let loaded: CandidateReport | undefined;
  for (const { specifier, release } of releases) {
    // Two isolated-vm binaries in one process would register the same native classes: once
    // one has loaded, the others are only looked at.
    const tried = tryCandidate(require, specifier, release, loaded === undefined);
    candidates.push(tried.report);
    if (tried.module && !module) {
      module = tried.module;
      loaded = tried.report;
    }
  }
  return { module, loaded, candidates, problem: module ? undefined : describeProblem(candidates, override), override };
}

function tryCandidate(
  require: NodeJS.Require,
  specifier: string,
  release: IsolatedVmRelease | undefined,
  load: boolean,
): { report: CandidateReport; module?: IsolatedVmModule } {
  const report: CandidateReport = { specifier, release, version: undefined, location: undefined, state: 'missing' };
  const isPath = specifier.startsWith('.') || path.isAbsolute(specifier);
  let target: string;
  if (isPath) {
    target = path.resolve(specifier);
    if (!existsSync(target)) return { report };
    report.location = target;
    const manifest = path.join(target, 'package.json');
    if (statSync(target).isDirectory() && existsSync(manifest)) report.version = readVersion(manifest);
  } else {
    let manifest: string;
    try {
      manifest = require.resolve(`${specifier}/package.json`);
    } catch {
      return { report };
    }
    target = path.dirname(manifest);
    report.location = target;
    report.version = readVersion(manifest);
  }
  if (!load) {
    report.state = 'not-tried';
    return { report };
  }
  try {
    const module = require(target) as Partial<IsolatedVmModule> | undefined;
    if (typeof module?.Isolate !== 'function' || typeof module.Callback !== 'function' || typeof module.ExternalCopy !== 'function') {
      report.state = 'failed';
      report.detail = 'it loaded, but is not isolated-vm (no Isolate, Callback or ExternalCopy)';
      return { report };
    }
    report.state = 'loaded';
    return { report, module: module as IsolatedVmModule };
  } catch (error) {
    Object.assign(report, classifyLoadError(error));
    return { report };
  }
}

function readVersion(manifest: string): string | undefined {
  try {
    const version: unknown = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version.slice(0, 40) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads why loading an installed isolated-vm failed, from Node's and node-gyp-build's own
 * messages: a binary for another Node, no binary at all, or something else.
 */
export function classifyLoadError(error: unknown): Pick<CandidateReport, 'state' | 'builtForAbi' | 'detail'> {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const abi = /NODE_MODULE_VERSION (\d+)\.\s+This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi) return { state: 'wrong-abi', builtForAbi: Number(abi[1]) };
  // A binary for another V8 can fail in dlopen before Node checks its version: a V8 or Node
  // symbol it needs is not in this Node. Prebuilt binaries carry their ABI in their file name.
  if (code === 'ERR_DLOPEN_FAILED' && /undefined symbol: (?:_ZN2v8|_ZNK2v8|_ZN4node|_ZNK4node)/.test(message)) {
    const named = /\.abi(\d+)\./.exec(message);
    return named ? { state: 'wrong-abi', builtForAbi: Number(named[1]) } : { state: 'wrong-abi' };
  }
  const firstLine = message.split('\n')[0]!.trim().slice(0, 160);
  // node-gyp-build (isolated-vm 6): neither a prebuilt binary for this ABI nor a local build.
  if (/No native build was found/.test(message)) return { state: 'not-built', detail: firstLine };
  // isolated-vm 5: its compiled binary (out/isolated_vm.node) is not there.
  if (code === 'MODULE_NOT_FOUND' && /isolated_vm/.test(message)) return { state: 'not-built', detail: 'its compiled binary is missing' };
  return { state: 'failed', detail: firstLine };
}

function label(candidate: CandidateReport): string {
  if (!candidate.release) return `the isolated-vm at ${candidate.specifier}`;
  const version = candidate.version ?? candidate.release.version;
  return candidate.specifier === 'isolated-vm' ? `isolated-vm ${version}` : `isolated-vm ${version} (installed as ${candidate.specifier})`;
}

function lines(release: IsolatedVmRelease): string {
  const list = release.nodeLines.map(String);
  return `Node ${list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list.at(-1)}` : list[0]}`;
}

/** What is wrong with one candidate, as a clause. */
function whatIsWrong(candidate: CandidateReport, node: string): string {
  switch (candidate.state) {
    case 'missing':
      return candidate.release ? `${label(candidate)} (the isolated-vm for ${lines(candidate.release)}) is not installed` : `nothing is installed at ${candidate.specifier}`;
    case 'not-built':
      return `${label(candidate)} is installed but not built for ${node}${candidate.detail ? ` (${candidate.detail})` : ''}`;
    case 'wrong-abi':
      return `${label(candidate)} was built for ${candidate.builtForAbi === undefined ? 'another Node (V8 symbols it needs are missing here)' : describeAbi(candidate.builtForAbi)} but this is ${node}`;
    default:
      return `${label(candidate)} failed to load: ${candidate.detail ?? 'no reason given'}`;
  }
}

function describeProblem(candidates: CandidateReport[], override: string | undefined): IsolatedVmProblem {
  const { version, line, abi } = runningNode();
  const node = `Node ${line} (ABI ${abi})`;
  const primary = candidates[0]!;
  if (override) {
    return {
      cause: `${ISOLATED_VM_OVERRIDE_ENV}=${override.slice(0, 200)}: ${whatIsWrong(primary, node)}`,
      fix: `unset ${ISOLATED_VM_OVERRIDE_ENV}, or point it at an isolated-vm built for this Node`,
    };
  }
  if (!SUPPORTED_NODE_LINES.includes(line)) {
    return {
      cause: `taskres supports Node ${SUPPORTED_NODE_LINES.join(', ')}, and this is Node ${version}; ${candidates.map((c) => whatIsWrong(c, node)).join('; ')}`,
      fix: `run taskres on Node ${SUPPORTED_NODE_LINES.join(', ')}`,
    };
  }
  // Other releases that are here but built for another Node: worth saying, they explain why.
  const others = candidates.slice(1).filter((c) => c.state === 'wrong-abi' || c.state === 'not-built');
  const also = others.length > 0 ? `, and ${others.map((c) => whatIsWrong(c, node)).join(', and ')}` : '';
  const cause = `${whatIsWrong(primary, node)}${also}`;
  const rebuild = `run \`npm rebuild ${primary.specifier}\` with this Node (Node ${version})`;
  switch (primary.state) {
    case 'missing':
      return {
        cause,
        fix: `run \`npm install\` (or \`npm ci\`) again with this Node (Node ${version}): npm installs only the isolated-vm that builds on the Node that runs it`,
      };
    case 'not-built':
      return {
        cause,
        fix: `${rebuild}; npm 11 runs its build only when allowed ("allowScripts": { "isolated-vm": true } in your package.json), and compiling needs a C++ toolchain and Python`,
      };
    case 'wrong-abi':
      return { cause, fix: rebuild };
    default:
      return { cause, fix: `${rebuild}; if it still fails, run \`npx taskres doctor\` and report what it prints` };
  }
}
