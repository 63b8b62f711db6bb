/**
 * `taskres check SPEC`: every definition-time problem of every task at once, for a JSON spec
 * file (each spec checked with checkTaskSpec) and for a JS/TS module (loaded with definitions
 * that record instead of throw, see src/loading/check-hooks.ts). Exit code 0 when every task is valid,
 * 1 when any has a problem.
 */
import { checkTaskSpec, type TaskresError } from 'taskres';
import { checkModuleTasks } from '../loading/modules.js';
import { isModulePath, readSpecs } from '../loading/specs.js';
import { joinSafe, out, safe, type Safe } from './output.js';

/** Runs the check and prints its report; returns the exit code. */
export async function runCheck(spec: string): Promise<number> {
  return isModulePath(spec) ? checkModule(spec) : checkSpecFile(spec);
}

async function checkModule(spec: string): Promise<number> {
  const { found, definitions, failure } = await checkModuleTasks(spec);
  const bad = definitions.filter((d) => d.problems.length > 0);
  if (bad.length === 0) {
    // A module that threw for a reason of its own, with no definition problem: as before.
    if (failure) throw failure;
    if (found.length === 0) return nothingToCheck(spec, 'exports no tasks (a task is a function wrapped by a preset, customTask or defineTask, exported)');
    const names = joinSafe(found.map((f) => safe`${f.task.taskName}`), ', ');
    out(safe`${spec}: ${found.length} task${found.length === 1 ? '' : 's'} OK (${names})`);
    return 0;
  }
  for (const definition of definitions) report(definition.name ?? '(a customTask(...) call never applied to a function)', definition.problems);
  const problems = bad.reduce((sum, d) => sum + d.problems.length, 0);
  out(safe`${spec}: ${problems} problem${problems === 1 ? '' : 's'} in ${bad.length} of ${definitions.length} task definition${definitions.length === 1 ? '' : 's'}`);
  // The module stopped after the definitions above; what it threw is part of the report.
  if (failure) throw failure;
  return 1;
}

function checkSpecFile(spec: string): number {
  let problems = 0;
  const entries = readSpecs(spec);
  if (entries.length === 0) return nothingToCheck(spec, 'holds an empty array; a spec file holds one task spec { "name", "params", "resources" } or an array of them');
  for (const entry of entries) {
    const name = typeof (entry as { name?: unknown })?.name === 'string' ? (entry as { name: string }).name : '(unnamed)';
    const found = checkTaskSpec(entry);
    problems += found.length;
    report(name, found);
  }
  return problems === 0 ? 0 : 1;
}

/** A SPEC with no task in it is a mistake (a wrong file, an empty export), not a pass. */
function nothingToCheck(spec: string, why: string): number {
  out(safe`✗ ${spec} ${why}`);
  return 1;
}

/** `✓ name`, or `✗ name: N problems` and one line per problem: code, [resource], message. */
function report(name: string, problems: readonly TaskresError[]): void {
  if (problems.length === 0) {
    out(safe`✓ ${name}`);
    return;
  }
  const lines: Safe[] = [safe`✗ ${name}: ${problems.length} problem${problems.length > 1 ? 's' : ''}`];
  for (const problem of problems) lines.push(problem.resource ? safe`  ${problem.code} [${problem.resource}]: ${problem.message}` : safe`  ${problem.code}: ${problem.message}`);
  out(...lines);
}
