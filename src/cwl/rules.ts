/**
 * The ResourceRequirement rules of CWL v1.0-v1.2 (CommandLineTool.yml), applied to the
 * fields' values once they are known:
 *
 * - "If "min" is specified but "max" is not, then "max" == "min". If "max" is specified by
 *   "min" is not, then "min" == "max". It is an error if max < min. It is an error if the
 *   value of any of these fields is negative. If neither "min" nor "max" is specified for a
 *   resource, use the default values below." (cores 1, ram 256, tmpdir 1024, outdir 1024;
 *   v1.0 names no defaults and gets these.)
 * - The reported value is the min, rounded up: "The reported number of CPU cores reserved
 *   for the process [...] must be a non-zero integer, and may be calculated by rounding up
 *   the cores request to the next whole number"; RAM and storage "must be rounded up to the
 *   next whole number".
 * - Negatives and max < min are judged on the values as given, before rounding.
 * - cwltool's CUDARequirement: cudaDeviceCountMin/Max, whole numbers, default 1.
 */
import { TaskresError } from '../core/errors.js';
import { describeValue } from '../core/text.js';
import { CUDA_FIELDS, describeTool, invalid, type CwlField } from './document.js';
import { wholeOnly, type CompiledTool } from './compile.js';

/**
 * What a tool's job gets, in CWL's `runtime` terms: cores, and mebibytes of RAM, tmpdir and
 * outdir; `cudaDeviceCount` when the tool has cwltool's CUDARequirement.
 */
export interface CwlResources {
  cores: number;
  ram: number;
  tmpdirSize: number;
  outdirSize: number;
  cudaDeviceCount?: number;
}

const RESOURCES = [
  { name: 'cores', min: 'coresMin', max: 'coresMax', report: 'cores', fallback: 1 },
  { name: 'ram', min: 'ramMin', max: 'ramMax', report: 'ram', fallback: 256 },
  { name: 'tmpdir', min: 'tmpdirMin', max: 'tmpdirMax', report: 'tmpdirSize', fallback: 1024 },
  { name: 'outdir', min: 'outdirMin', max: 'outdirMax', report: 'outdirSize', fallback: 1024 },
] as const;
const CUDA = { name: 'cudaDeviceCount', min: 'cudaDeviceCountMin', max: 'cudaDeviceCountMax', report: 'cudaDeviceCount', fallback: 1 } as const;

/**
 * Checks a value a field computed (a reference's or an expression's result): a number or
 * null, and whole before v1.2. Throws `TASKRES_INVALID_VALUE`.
 */
export function checkComputed(tool: CompiledTool, field: CwlField, value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const hint = typeof value === 'string' ? `; a string is never a resource value (write $(inputs.gb * 1024), not $(inputs.gb)024)` : '';
    throw new TaskresError('TASKRES_INVALID_VALUE', `${field} of ${describeTool(tool.name)} evaluated to ${describeValue(value)}; expected a number or null${hint}.`);
  }
  if (!Number.isInteger(value) && wholeOnly(field, tool.version)) {
    const why = (CUDA_FIELDS as readonly string[]).includes(field) ? 'cudaDeviceCount is a whole number of devices' : `fractional values need cwlVersion v1.2 (this tool is ${tool.version})`;
    throw new TaskresError('TASKRES_INVALID_VALUE', `${field} of ${describeTool(tool.name)} evaluated to ${value}; ${why}: round it with Math.ceil.`);
  }
  return value;
}

/** Applies the rules to every field's value (`null` or absent: not given). */
export function applyRules(tool: CompiledTool, values: Partial<Record<CwlField, number | null>>): CwlResources {
  const out = {} as CwlResources;
  for (const resource of tool.cuda ? [...RESOURCES, CUDA] : RESOURCES) {
    let min = values[resource.min] ?? null;
    let max = values[resource.max] ?? null;
    for (const [field, value] of [[resource.min, min], [resource.max, max]] as const) {
      if (value !== null && value < 0) {
        throw invalid(tool.name, `has ${field} ${value}${computedNote(tool, field)}; the spec says "It is an error if the value of any of these fields is negative"`);
      }
    }
    if (min === null && max === null) min = max = resource.fallback;
    else if (min === null) min = max;
    else if (max === null) max = min;
    if (max! < min!) {
      throw invalid(tool.name, `has ${resource.max} ${max} below ${resource.min} ${min}; the spec says "It is an error if max < min": raise ${resource.max} or lower ${resource.min}`);
    }
    const reported = Math.ceil(min!) + 0; // + 0: never -0
    out[resource.report] = resource.name === 'cores' ? Math.max(1, reported) : reported;
  }
  return out;
}

function computedNote(tool: CompiledTool, field: CwlField): string {
  const plan = tool.plans[field];
  return plan && plan.kind !== 'literal' ? ' (computed for this job)' : '';
}
