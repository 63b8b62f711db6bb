/**
 * The sandbox runs only on a V8 it was tested with. Isolation rests on an allowlist of what a
 * realm keeps (src/isolate/intrinsics.ts) and a test that exercises it on each supported Node
 * line; a V8 nobody ran that test on may create objects the hardening never reviewed (V8 12
 * added iterator helpers and a shared `stack` accessor; V8 13 `using` and SuppressedError). So a
 * sandbox process on any other V8 major.minor refuses to start (`TASKRES_SANDBOX_UNAVAILABLE`),
 * unless its operator accepts the risk for that exact version:
 *
 *     TASKRES_ACCEPT_V8=13.7 taskres serve ...
 *
 * The value must name the running V8's major.minor (several may be listed, comma-separated),
 * so an acceptance never carries over silently to the next upgrade.
 */

/** A V8 line taskres was tested with, and the Node release it was tested on. */
export interface TestedV8 {
  /** `major.minor` of `process.versions.v8`. */
  v8: string;
  node: string;
}

/** The V8 lines the realm tests passed on (CI runs them on each). */
export const TESTED_V8: readonly TestedV8[] = [
  { v8: '11.3', node: '20.20.2' },
  { v8: '12.4', node: '22.21.1' },
  { v8: '13.6', node: '24.21.0' },
];

/** The environment variable that accepts an untested V8 (its value: that V8's major.minor). */
export const ACCEPT_V8_ENV = 'TASKRES_ACCEPT_V8';

/** Why the sandbox will not run on this V8, and what to do; the same shape as isolated-vm problems. */
export interface V8Problem {
  cause: string;
  fix: string;
}

/** `13.6` for `13.6.233.17-node.53`. */
export function v8MajorMinor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/**
 * Judges a V8 version against the tested lines and the operator's acceptance (the value of
 * {@link ACCEPT_V8_ENV}, if any); undefined when the sandbox may run.
 */
export function judgeV8(v8Version: string, nodeVersion: string, accepted: string | undefined): V8Problem | undefined {
  const line = v8MajorMinor(v8Version);
  if (TESTED_V8.some((tested) => tested.v8 === line)) return undefined;
  const acceptedLines = (accepted ?? '').split(',').map((entry) => entry.trim());
  if (acceptedLines.includes(line)) return undefined;
  const tested = TESTED_V8.map((entry) => `${entry.v8} (Node ${entry.node})`).join(', ');
  const given = accepted === undefined || accepted.trim() === '' ? '' : `; ${ACCEPT_V8_ENV}=${accepted.slice(0, 40)} does not name ${line}`;
  return {
    cause: `this Node (${nodeVersion.slice(0, 40)}) runs V8 ${v8Version.slice(0, 40)}, and the taskres sandbox was tested only with V8 ${tested}: a V8 it was not tested with may give resource functions built-ins or syntax that its hardening has not reviewed${given}`,
    fix: `run taskres on a tested Node release, or accept the risk for this V8 with ${ACCEPT_V8_ENV}=${line} in the environment of the process that starts the sandbox (docs/security.md)`,
  };
}

/** {@link judgeV8} for the running process. */
export function runningV8Problem(): V8Problem | undefined {
  return judgeV8(process.versions.v8, process.versions.node, process.env[ACCEPT_V8_ENV]);
}
