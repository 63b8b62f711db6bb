/**
 * Evaluates one job of a compiled tool: literals and parameter references here in the host,
 * the JavaScript fields as one sandbox job (one evaluation of the tool's function for all of
 * them, each field's value in a slot of its own), then the spec's rules. A tool without
 * JavaScript fields never reaches the sandbox.
 */
import { TaskresError } from '../core/errors.js';
import { quote } from '../core/text.js';
import type { EvaluationFailure, Job, JobOutcomes } from '../resolver/supervisor.js';
import { SUBMIT_SANDBOX_JOB, type SandboxJobTarget } from '../resolver/sandbox-jobs.js';
import { describeTool, type CwlField } from './document.js';
import type { CompiledTool } from './compile.js';
import { ReferenceFailure, resolveParameterReference } from './parameter-reference.js';
import { applyRules, checkComputed, type CwlResources } from './rules.js';

/** The resolver settings messages quote. */
export interface Limits {
  timeoutMs: number;
  memoryLimitMiB: number;
}

/** Where a job's outcome goes. */
export interface Outcome {
  fulfill(value: CwlResources): void;
  reject(reason: TaskresError): void;
}

/**
 * Starts the evaluation of one job (inputs already prepared); `outcome` hears exactly once.
 * Throws nothing: every failure goes to `outcome`.
 */
export function evaluateJob(resolver: SandboxJobTarget, limits: Limits, tool: CompiledTool, inputs: Record<string, unknown>, outcome: Outcome): void {
  const values: Partial<Record<CwlField, number | null>> = {};
  try {
    for (const field of Object.keys(tool.plans) as CwlField[]) {
      const plan = tool.plans[field]!;
      if (plan.kind === 'literal') values[field] = plan.value;
      else if (plan.kind === 'reference') values[field] = checkComputed(tool, field, resolveReference(tool, field, plan.reference, inputs));
      else if (plan.kind === 'interpolation') {
        throw new TaskresError(
          'TASKRES_INVALID_VALUE',
          `${field} of ${describeTool(tool.name)} is ${quote(plan.text, 80)}, text around an expression, which CWL turns into a string; a string is never a resource value: put the whole computation inside one $(...), e.g. $(inputs.gb * 1024)`,
        );
      }
    }
    if (tool.dynamics.length === 0) {
      outcome.fulfill(applyRules(tool, values));
      return;
    }
    resolver[SUBMIT_SANDBOX_JOB](new SandboxJob(tool, JSON.stringify(inputs), values, limits, outcome));
  } catch (error) {
    outcome.reject(asTaskresError(error));
  }
}

function resolveReference(tool: CompiledTool, field: CwlField, reference: Parameters<typeof resolveParameterReference>[0], inputs: Record<string, unknown>): unknown {
  try {
    return resolveParameterReference(reference, inputs);
  } catch (error) {
    if (error instanceof ReferenceFailure) {
      throw new TaskresError('TASKRES_FUNCTION_THREW', `${field} of ${describeTool(tool.name)} could not be evaluated: ${error.message}. Give that input in the job, or fix the reference.`);
    }
    throw error;
  }
}

/** The tool's JavaScript fields for one job: one evaluation (the lib and every field), one slot per field. */
class SandboxJob implements Job {
  readonly dynamics: CompiledTool['dynamics'];
  readonly args: Job['args'];

  constructor(
    private readonly tool: CompiledTool,
    inputsJson: string,
    private readonly values: Partial<Record<CwlField, number | null>>,
    private readonly limits: Limits,
    private readonly outcome: Outcome,
  ) {
    this.dynamics = tool.dynamics;
    this.args = { files: [], paramsJson: inputsJson };
  }

  settle(outcomes: JobOutcomes): void {
    const { tool, values } = this;
    try {
      const fields = tool.javascriptFields;
      for (let k = 0; k < fields.length; k++) {
        const failure = outcomes.failures?.get(outcomes.offset + k);
        if (failure) throw this.failure(fields[k]!, failure);
        const value = outcomes.values[outcomes.offset + k]!;
        // The sandbox writes NaN for null (see evaluateCwl in src/isolate/prelude.ts).
        values[fields[k]!] = checkComputed(tool, fields[k]!, Number.isNaN(value) ? null : value);
      }
      this.outcome.fulfill(applyRules(tool, values));
    } catch (error) {
      this.outcome.reject(asTaskresError(error));
    }
  }

  fail(error: TaskresError): void {
    this.outcome.reject(error);
  }

  private failure(field: CwlField, { code, detail }: EvaluationFailure): TaskresError {
    const tool = describeTool(this.tool.name);
    const { timeoutMs, memoryLimitMiB } = this.limits;
    const count = this.tool.javascriptFields.length;
    const whole = `The JavaScript of ${tool} (its expressionLib and ${count === 1 ? 'its JavaScript field' : `its ${count} JavaScript fields`}, one evaluation)`;
    const extra = detail ? ` (${detail})` : '';
    switch (code) {
      case 'TASKRES_FUNCTION_THREW':
        return new TaskresError(code, `${field} of ${tool} threw (in its expression or the expressionLib): ${detail}; fix the JavaScript, or give the inputs it reads.`);
      case 'TASKRES_TIMEOUT':
        return new TaskresError(code, `${whole} ran longer than timeoutMs (${timeoutMs} ms)${extra}; make it faster or raise timeoutMs.`);
      case 'TASKRES_MEMORY_LIMIT':
        return new TaskresError(code, `${whole} used more memory than the sandbox allows (memoryLimitMiB ${memoryLimitMiB})${extra}; use less, or raise memoryLimitMiB.`);
      case 'TASKRES_INVALID_VALUE':
        return new TaskresError(code, `${field} of ${tool} evaluated to ${detail}; expected a number or null.`);
      default:
        return new TaskresError(code, `${field} of ${tool} failed: ${detail}.`);
    }
  }
}

function asTaskresError(error: unknown): TaskresError {
  if (error instanceof TaskresError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new TaskresError('TASKRES_FUNCTION_THREW', `CWL evaluation failed unexpectedly: ${detail.slice(0, 200)}.`);
}
