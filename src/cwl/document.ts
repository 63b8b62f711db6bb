/**
 * Reads what resource evaluation needs from one CWL CommandLineTool (an object parsed from
 * its YAML or JSON): its version, the ResourceRequirement (and cwltool's CUDARequirement)
 * that applies, whether JavaScript is allowed and its expressionLib, and its input defaults.
 * Only these parts are read; the rest of the document is the runner's business.
 *
 * Which requirement applies follows cwltool's `get_requirement`: the last one of its class in
 * `requirements`, else the last one in `hints` ("requirements override hints").
 */
import { TaskresError } from '../core/errors.js';
import { quote } from '../core/text.js';

/** The CWL versions whose rules taskres applies. */
export const CWL_VERSIONS = ['v1.0', 'v1.1', 'v1.2'] as const;
/** A CWL version taskres applies. */
export type CwlVersion = (typeof CWL_VERSIONS)[number];

/** The resource fields, in the order cwltool evaluates them. */
export const RESOURCE_FIELDS = ['coresMin', 'coresMax', 'ramMin', 'ramMax', 'tmpdirMin', 'tmpdirMax', 'outdirMin', 'outdirMax'] as const;
/** cwltool's CUDARequirement fields that taskres evaluates. */
export const CUDA_FIELDS = ['cudaDeviceCountMin', 'cudaDeviceCountMax'] as const;
/** A field whose value taskres evaluates. */
export type CwlField = (typeof RESOURCE_FIELDS)[number] | (typeof CUDA_FIELDS)[number];

/** cwltool's namespace; its CUDARequirement is `cwltool:CUDARequirement` under `$namespaces`. */
export const CWLTOOL_NAMESPACE = 'http://commonwl.org/cwltool#';

/** What evaluation needs of a tool. */
export interface ToolDocument {
  /** How messages name the tool: the caller's name for it (a file name), else its `id`, else its `label`. */
  name: string;
  version: CwlVersion;
  /** The raw value of each field the applicable requirements give (absent: not given). */
  fields: Partial<Record<CwlField, unknown>>;
  /** True when cwltool's CUDARequirement applies (then cudaDeviceCount is reported). */
  cuda: boolean;
  /** Present when InlineJavascriptRequirement applies: its expressionLib, in order. */
  javascript?: { expressionLib: string[] };
  /** Each input's `default`, by input name. */
  defaults: [string, unknown][];
}

const ALLOWED_RESOURCE_KEYS = new Set<string>(['class', ...RESOURCE_FIELDS]);
const ALLOWED_CUDA_KEYS = new Set<string>(['class', ...CUDA_FIELDS, 'cudaVersionMin', 'cudaComputeCapability']);

/** Reads `tool`; throws `TASKRES_CWL_INVALID` naming what is wrong and how to fix it. */
export function readTool(tool: unknown, nameHint?: string): ToolDocument {
  if (!isRecord(tool)) throw invalid(nameHint ?? 'the tool', `must be a CommandLineTool object (parsed from its YAML or JSON), received ${kindOf(tool)}`);
  const name = nameHint ?? toolName(tool);
  if (tool.class !== 'CommandLineTool') {
    throw invalid(name, `has class ${describe(tool.class)}; taskres/cwl evaluates one CommandLineTool (a runner passes a workflow step's effective tool)`);
  }
  const version = CWL_VERSIONS.find((known) => known === tool.cwlVersion);
  if (version === undefined) {
    throw invalid(name, `has cwlVersion ${describe(tool.cwlVersion)}; expected one of ${CWL_VERSIONS.join(', ')} (the tool's own cwlVersion decides which rules apply)`);
  }
  const namespaces = isRecord(tool.$namespaces) ? tool.$namespaces : {};
  const isCuda = (cls: string): boolean => {
    if (cls === `${CWLTOOL_NAMESPACE}CUDARequirement`) return true;
    const colon = cls.indexOf(':');
    if (colon < 0 || cls.slice(colon + 1) !== 'CUDARequirement') return false;
    const prefix = cls.slice(0, colon);
    return namespaces[prefix] === CWLTOOL_NAMESPACE || (prefix === 'cwltool' && namespaces[prefix] === undefined);
  };
  const requirements = readRequirementList(tool.requirements, 'requirements', name);
  const hints = readRequirementList(tool.hints, 'hints', name);
  const find = (test: (cls: string) => boolean): { entry: Record<string, unknown>; required: boolean } | undefined => {
    for (let i = requirements.length - 1; i >= 0; i--) if (test(requirements[i]!.cls)) return { entry: requirements[i]!.entry, required: true };
    for (let i = hints.length - 1; i >= 0; i--) if (test(hints[i]!.cls)) return { entry: hints[i]!.entry, required: false };
    return undefined;
  };

  const fields: ToolDocument['fields'] = {};
  const resource = find((cls) => cls === 'ResourceRequirement');
  if (resource) copyFields(resource, RESOURCE_FIELDS, ALLOWED_RESOURCE_KEYS, 'ResourceRequirement', fields, name);
  const cudaRequirement = find(isCuda);
  if (cudaRequirement) copyFields(cudaRequirement, CUDA_FIELDS, ALLOWED_CUDA_KEYS, 'CUDARequirement', fields, name);

  const document: ToolDocument = { name, version, fields, cuda: cudaRequirement !== undefined, defaults: readDefaults(tool.inputs, name) };
  const javascript = find((cls) => cls === 'InlineJavascriptRequirement');
  if (javascript) document.javascript = { expressionLib: readExpressionLib(javascript.entry, name) };
  return document;
}

function copyFields(
  found: { entry: Record<string, unknown>; required: boolean },
  names: readonly CwlField[],
  allowed: ReadonlySet<string>,
  className: string,
  fields: ToolDocument['fields'],
  tool: string,
): void {
  const { entry, required } = found;
  // A misspelt field (`coresmin`) in a requirement would silently give the default: refuse
  // it. Hints may carry anything (the spec lets runners ignore hints they do not know);
  // extension fields (`prefix:name`) are the extension's business.
  if (required) {
    for (const key of Object.keys(entry)) {
      if (!allowed.has(key) && !key.includes(':')) {
        const close = names.find((field) => field.toLowerCase() === key.toLowerCase());
        throw invalid(tool, `has an unknown field ${quote(key, 60)} in its ${className}${close ? `; did you mean ${close}?` : `; its fields are ${names.join(', ')}`}`);
      }
    }
  }
  for (const field of names) if (Object.hasOwn(entry, field) && entry[field] !== null && entry[field] !== undefined) fields[field] = entry[field];
}

/** Requirements or hints, in list form (`- class: X`) or map form (`X: {...}`), as `[class, entry]`. */
function readRequirementList(value: unknown, where: 'requirements' | 'hints', tool: string): { cls: string; entry: Record<string, unknown> }[] {
  if (value === undefined || value === null) return [];
  const out: { cls: string; entry: Record<string, unknown> }[] = [];
  if (Array.isArray(value)) {
    value.forEach((entry, index) => {
      if (!isRecord(entry)) throw invalid(tool, `has ${where}[${index}] that is ${kindOf(entry)}; each entry is an object with a class`);
      if (typeof entry.class !== 'string') {
        if (where === 'hints') return;
        const directive = Object.keys(entry).find((key) => key.startsWith('$'));
        throw invalid(tool, directive ? `has ${where}[${index}] with ${directive}; resolve ${directive} with a CWL loader (or the taskres CLI) first` : `has ${where}[${index}] without a class`);
      }
      out.push({ cls: entry.class, entry });
    });
    return out;
  }
  if (isRecord(value)) {
    for (const [cls, entry] of Object.entries(value)) {
      if (entry === null || entry === undefined) out.push({ cls, entry: {} });
      else if (isRecord(entry)) out.push({ cls, entry });
      else if (where === 'requirements') throw invalid(tool, `has requirements.${quote(cls, 60)} that is ${kindOf(entry)}; expected an object of its fields`);
    }
    return out;
  }
  throw invalid(tool, `has ${where} that is ${kindOf(value)}; expected a list of { class, ... } or a map from class to fields`);
}

function readExpressionLib(entry: Record<string, unknown>, tool: string): string[] {
  const lib = entry.expressionLib;
  if (lib === undefined || lib === null) return [];
  if (!Array.isArray(lib)) throw invalid(tool, `has an expressionLib that is ${kindOf(lib)}; expected a list of strings of JavaScript`);
  return lib.map((item, index) => {
    if (typeof item === 'string') return item;
    if (isRecord(item) && typeof item.$include === 'string') {
      throw invalid(tool, `has expressionLib[${index}] as $include ${quote(item.$include, 80)}; inline the file's text (the taskres CLI does this for files beside the tool)`);
    }
    throw invalid(tool, `has expressionLib[${index}] that is ${kindOf(item)}; expected a string of JavaScript`);
  });
}

/** The inputs' defaults, by short name (an id `#main/reads` or `file:///t.cwl#reads` is `reads`). */
function readDefaults(inputs: unknown, tool: string): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (inputs === undefined || inputs === null) return out;
  if (Array.isArray(inputs)) {
    for (const input of inputs) {
      if (isRecord(input) && typeof input.id === 'string' && Object.hasOwn(input, 'default')) out.push([shortName(input.id), detached(input.default)]);
    }
  } else if (isRecord(inputs)) {
    for (const [id, input] of Object.entries(inputs)) {
      if (isRecord(input) && Object.hasOwn(input, 'default')) out.push([shortName(id), detached(input.default)]);
    }
  } else {
    throw invalid(tool, `has inputs that are ${kindOf(inputs)}; expected a list or a map of input parameters`);
  }
  return out;
}

// A copy of a default, so that a compiled tool (cached) never sees later changes to the caller's object.
function detached(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** cwltool's `shortname`: the part after the last `#`, then after the last `/`. */
export function shortName(id: string): string {
  const fragment = id.slice(id.lastIndexOf('#') + 1);
  return fragment.slice(fragment.lastIndexOf('/') + 1);
}

function toolName(tool: Record<string, unknown>): string {
  if (typeof tool.id === 'string' && tool.id !== '') return shortName(tool.id).slice(0, 80) || tool.id.slice(0, 80);
  if (typeof tool.label === 'string' && tool.label !== '') return tool.label.slice(0, 80);
  return '';
}

/** `TASKRES_CWL_INVALID` about `tool`. */
export function invalid(tool: string, problem: string): TaskresError {
  return new TaskresError('TASKRES_CWL_INVALID', `${describeTool(tool)} ${problem}.`);
}

/** How messages name a tool. */
export function describeTool(tool: string): string {
  return tool === '' ? 'CWL tool (no id: give the tool an id, or taskres a name for it)' : `CWL tool ${quote(tool, 80)}`;
}

/** True for a plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value's kind, for messages. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? quote(value, 60) : kindOf(value);
}
