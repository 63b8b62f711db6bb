/**
 * The worker thread that checks untrusted specs for `taskres serve` (see ./spec-checker.ts):
 * defining a spec parses its functions with acorn, and a spec built to be slow to check must
 * cost this thread, which the server can terminate at a deadline, and never the event loop
 * that answers every other caller and the probes.
 *
 * Answers are small whatever the spec: problems are capped per spec and by total characters
 * here, before anything crosses back to the server's thread.
 */
import { TaskresError, checkTaskSpec, defineTask, type TaskSpec } from 'taskres';
import { clip } from '../core/text.js';
import { MAX_DETAIL_CHARS, MAX_NAME_CHARS } from './problems.js';
import type { CheckProblem, SpecJob, SpecJobResult } from './spec-job.js';

/** The problem of a spec nested too deeply to print as JSON. */
const TOO_DEEP = 'The task spec nests values too deeply; a spec is a name, params and resources.';

/** Runs one job; piscina calls it. */
export default function runSpecJob(job: SpecJob): SpecJobResult {
  if (job.kind === 'define') {
    const spec = JSON.parse(job.specJson) as TaskSpec;
    try {
      defineTask(spec);
      return { kind: 'define', ok: true };
    } catch (error) {
      if (!(error instanceof TaskresError)) throw error;
      return { kind: 'define', ok: false, error: { code: error.code, message: clip(overHttp(error, spec), MAX_DETAIL_CHARS), taskName: error.taskName, resource: error.resource } };
    }
  }
  const problems: CheckProblem[] = [];
  let omitted = 0;
  let chars = 0;
  for (const specJson of job.specsJson) {
    const spec: unknown = specJson === null ? undefined : JSON.parse(specJson);
    const name = typeof (spec as { name?: unknown })?.name === 'string' ? clip((spec as { name: string }).name, MAX_NAME_CHARS) : null;
    const found = specJson === null ? [new TaskresError('TASKRES_INVALID_SPEC', TOO_DEEP)] : checkTaskSpec(spec);
    found.forEach((problem, i) => {
      const entry: CheckProblem = { task: name, code: problem.code, message: clip(problem.message, MAX_DETAIL_CHARS), ...(problem.resource ? { resource: clip(problem.resource, MAX_NAME_CHARS) } : {}) };
      const size = JSON.stringify(entry).length + 1;
      if (i >= job.maxProblemsPerSpec || chars + size > job.maxAnswerChars) {
        omitted++;
        return;
      }
      chars += size;
      problems.push(entry);
    });
  }
  return { kind: 'check', problems, omitted };
}

/**
 * defineTask's message for a spec with several problems names the library's and the CLI's way
 * to list them all; a caller of the service lists them with POST /v1/check.
 */
function overHttp(error: TaskresError, spec: TaskSpec): string {
  const problems = checkTaskSpec(spec);
  if (problems.length < 2) return error.message;
  const [first, ...rest] = problems;
  const codes = [...new Set(rest.map((problem) => problem.code))].join(', ');
  return `${first!.message} (and ${rest.length} more problem${rest.length > 1 ? 's' : ''}: ${codes}; POST the spec to /v1/check to list them all)`;
}
