/**
 * `taskres doctor`: can this machine run resource functions, and if not, why and what to do.
 * It shows what taskres runs on (Node, the isolated-vm it loads and from where, the flags in
 * use), then proves it with a live probe through the public API: a new resolver starts its
 * sandbox process and evaluates one function (the cold start), then another (warm).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createResolver, defineTask, isTaskresError } from 'taskres';
import {
  ISOLATED_VM_NODE_FLAGS,
  ISOLATED_VM_OVERRIDE_ENV,
  SUPPORTED_NODE_LINES,
  describeAbi,
  loadIsolatedVm,
  runningNode,
  type CandidateReport,
} from '../sandbox-worker/load-ivm.js';
import { describeThrown, out, safe, type Safe } from './output.js';

/** How long the live probe may take before the doctor calls it failed. */
const PROBE_TIMEOUT_MS = 30_000;

/** This package's version and directory, from its package.json. */
export function packageInfo(): { version: string; root: string } {
  const url = new URL('../package.json', import.meta.url);
  let version = 'unknown';
  try {
    const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
    const found = (parsed as { version?: unknown } | null)?.version;
    if (typeof found === 'string') version = found;
  } catch {
    // A package.json that cannot be read leaves the version unknown; the doctor still runs.
  }
  return { version, root: fileURLToPath(new URL('..', import.meta.url)) };
}

function row(name: string, text: Safe | string): Safe {
  return safe`  ${name.padEnd(12)}  ${text}`;
}

function describeCandidate(candidate: CandidateReport): string {
  const name = candidate.release ? `${candidate.version ?? candidate.release.version}${candidate.specifier === 'isolated-vm' ? '' : ` (as ${candidate.specifier})`}` : candidate.specifier;
  const where = candidate.location ? ` at ${candidate.location}` : '';
  const forNode = candidate.release ? `, for Node ${candidate.release.nodeLines.join(' and ')}` : '';
  switch (candidate.state) {
    case 'loaded':
      return `${name}${where}: loaded${forNode}`;
    case 'missing':
      return `${name}: not installed${forNode}`;
    case 'not-tried':
      return `${name}${where}: installed, not used${forNode}`;
    case 'not-built':
      return `${name}${where}: not built for this Node${candidate.detail ? ` (${candidate.detail})` : ''}`;
    case 'wrong-abi':
      return `${name}${where}: built for ${candidate.builtForAbi === undefined ? 'another Node' : describeAbi(candidate.builtForAbi)}`;
    default:
      return `${name}${where}: failed to load (${candidate.detail ?? 'no reason given'})`;
  }
}

interface ProbeResult {
  ok: boolean;
  line: string;
}

async function probe(): Promise<ProbeResult> {
  const task = defineTask({ name: 'doctor_probe', params: ['n'], resources: { cpu: '({ n }) => n + 1', memory: 1 } });
  const started = performance.now();
  const resolver = createResolver({ threads: 1 });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the probe did not finish within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  try {
    const first = await Promise.race([resolver.resolve(task, { n: 1 }), timeout]);
    const coldMs = performance.now() - started;
    const warmStarted = performance.now();
    const second = await Promise.race([resolver.resolve(task, { n: 2 }), timeout]);
    const warmMs = performance.now() - warmStarted;
    if (first.cpu !== 2 || second.cpu !== 3) return { ok: false, line: `the probe function returned ${first.cpu} and ${second.cpu}, expected 2 and 3` };
    return {
      ok: true,
      line: `sandbox started, function evaluated (cold start ${Math.round(coldMs)} ms, next call ${warmMs.toFixed(1)} ms, ${resolver.sandboxStarts} sandbox start${resolver.sandboxStarts === 1 ? '' : 's'})`,
    };
  } catch (error) {
    return { ok: false, line: isTaskresError(error) ? `${error.code}: ${error.message}` : describeThrown(error) };
  } finally {
    clearTimeout(timer);
    await resolver.close();
  }
}

/** Runs the doctor; returns the exit code (0: taskres can run resource functions here, 1: it cannot). */
export async function runDoctor(): Promise<number> {
  const { version, root } = packageInfo();
  const node = runningNode();
  const supported = SUPPORTED_NODE_LINES.includes(node.line);
  const load = loadIsolatedVm();

  out(safe`taskres doctor`, safe``);
  out(row('taskres', safe`${version} at ${root}`));
  out(
    row(
      'Node.js',
      safe`${node.version} (ABI ${node.abi}, ${process.platform} ${process.arch}) at ${process.execPath}: ${supported ? 'a supported line' : `not a supported line (taskres is tested on Node ${SUPPORTED_NODE_LINES.join(', ')})`}`,
    ),
  );
  load.candidates.forEach((candidate, i) => out(row(i === 0 ? 'isolated-vm' : '', describeCandidate(candidate))));
  if (load.override) out(row('', safe`(${ISOLATED_VM_OVERRIDE_ENV}=${load.override} is set: only that module is tried)`));
  out(row('flags', safe`sandbox process: ${ISOLATED_VM_NODE_FLAGS.join(' ')} (isolated-vm needs it; taskres adds it)`));
  out(row('', safe`this process: ${process.execArgv.join(' ') || '(none)'}; NODE_OPTIONS: ${process.env.NODE_OPTIONS || '(unset)'}`));

  const result = await probe();
  out(row('probe', result.line));
  out(safe``);
  if (result.ok) {
    out(supported ? safe`✓ OK: taskres can run resource functions here.` : safe`✓ OK: the probe passed, but Node ${node.version} is not a line taskres is tested on.`);
    return 0;
  }
  out(safe`✗ NOT OK: taskres cannot run resource functions here.`);
  if (load.problem) out(safe`  cause: ${load.problem.cause}`, safe`  fix: ${load.problem.fix}`);
  return 1;
}
