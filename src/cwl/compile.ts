/**
 * Turns a CWL tool into a plan for its resource fields, once per tool: each field is a
 * checked literal, a parameter reference (evaluated in the host, no JavaScript), a
 * JavaScript field (one slot of the tool's compiled function), or a string interpolation
 * (always a string: an error when evaluated). Everything the document alone decides is
 * decided here, so a document error never waits for a job.
 */
import type { DynamicResource } from '../definition/task.js';
import { CUDA_FIELDS, RESOURCE_FIELDS, invalid, kindOf, readTool, type CwlField, type CwlVersion, type ToolDocument } from './document.js';
import { compileJavaScript, type JavaScriptField } from './javascript.js';
import { parseParameterReference, type ParameterReference } from './parameter-reference.js';
import { ScanError, mayHoldExpressions, scanField } from './scan.js';
import { MAX_PROPERTY_ESCAPES, propertyEscapeCount } from '../definition/parser.js';

/** How one field is evaluated. */
export type FieldPlan =
  | { kind: 'literal'; value: number }
  | { kind: 'reference'; reference: ParameterReference }
  /** `slot`: the field's index among the tool's JavaScript fields. */
  | { kind: 'javascript'; slot: number }
  | { kind: 'interpolation'; text: string };

/** A tool, ready to evaluate jobs. */
export interface CompiledTool {
  name: string;
  version: CwlVersion;
  cuda: boolean;
  defaults: ToolDocument['defaults'];
  plans: Partial<Record<CwlField, FieldPlan>>;
  /** The JavaScript fields in slot order; empty when nothing runs in the sandbox. */
  javascriptFields: CwlField[];
  /**
   * One result slot per JavaScript field, all with the tool's one function: the sandbox runs it
   * once per job, in the job's first slot, and writes every field's value to its own slot.
   */
  dynamics: readonly DynamicResource[];
}

/** True for fields whose values must be whole numbers in every version. */
export function wholeOnly(field: CwlField, version: CwlVersion): boolean {
  return version !== 'v1.2' || (CUDA_FIELDS as readonly string[]).includes(field);
}

/** Compiles `tool`; throws `TASKRES_CWL_INVALID`. `nameHint` names it in messages (e.g. its file name). */
export function compileTool(tool: unknown, nameHint?: string): CompiledTool {
  const document = readTool(tool, nameHint);
  const { name, version, javascript } = document;
  checkPropertyEscapes(document);
  const plans: CompiledTool['plans'] = {};
  const javascriptFields: JavaScriptField[] = [];
  for (const field of [...RESOURCE_FIELDS, ...CUDA_FIELDS]) {
    if (!Object.hasOwn(document.fields, field)) continue;
    const value = document.fields[field];
    if (typeof value === 'number') {
      plans[field] = { kind: 'literal', value: checkLiteral(name, version, field, value) };
      continue;
    }
    if (typeof value !== 'string') {
      throw invalid(name, `has ${field} ${kindOf(value)}; expected a number or an expression such as $(inputs.threads)`);
    }
    const text = value.trim();
    if (!mayHoldExpressions(text)) {
      throw invalid(name, `has ${field} the string ${JSON.stringify(text.slice(0, 40))}; expected a number (write ${field}: 4, not "4") or an expression such as $(inputs.threads)`);
    }
    let pieces;
    try {
      pieces = scanField(text, version === 'v1.2' ? 'v1.2' : 'v1.0');
    } catch (error) {
      if (error instanceof ScanError) throw invalid(name, `has ${field} whose ${error.message}; fix the expression`);
      throw error;
    }
    for (const piece of pieces) {
      if (piece.kind !== 'expression' || javascript) continue;
      if (piece.form === 'brace' || !parseParameterReference(piece.code)) {
        const shown = JSON.stringify(`${piece.form === 'paren' ? '$(' : '${'}${piece.code.slice(0, 60)}${piece.form === 'paren' ? ')' : '}'}`);
        throw invalid(
          name,
          `has ${field} ${shown}, which is JavaScript, but the tool has no InlineJavascriptRequirement; add InlineJavascriptRequirement to its requirements, or write a parameter reference such as $(inputs.reads.size)`,
        );
      }
    }
    const only = pieces.length === 1 ? pieces[0]! : undefined;
    if (only?.kind !== 'expression') {
      plans[field] = { kind: 'interpolation', text };
    } else if (javascript) {
      plans[field] = { kind: 'javascript', slot: javascriptFields.length };
      javascriptFields.push({ field, form: only.form, code: only.code });
    } else {
      plans[field] = { kind: 'reference', reference: parseParameterReference(only.code)! };
    }
  }
  let dynamics: DynamicResource[] = [];
  if (javascriptFields.length > 0) {
    const source = compileJavaScript(name, javascript?.expressionLib ?? [], javascriptFields);
    const binding = { style: 'cwl', names: [], rest: false } as const;
    dynamics = javascriptFields.map(() => ({ resource: 'cpu', source, functionName: name, binding: { ...binding, names: [] }, paramsToCopy: [] }));
  }
  return { name, version, cuda: document.cuda, defaults: document.defaults, plans, javascriptFields: javascriptFields.map((f) => f.field), dynamics };
}

function checkLiteral(tool: string, version: CwlVersion, field: CwlField, value: number): number {
  if (!Number.isFinite(value)) throw invalid(tool, `has ${field} ${value}; expected a finite number`);
  if (value < 0) throw invalid(tool, `has ${field} ${value}; the spec says "It is an error if the value of any of these fields is negative"`);
  if (!Number.isInteger(value) && wholeOnly(field, version)) {
    throw invalid(
      tool,
      (CUDA_FIELDS as readonly string[]).includes(field)
        ? `has ${field} ${value}; cudaDeviceCount is a whole number of devices`
        : `has ${field} ${value}, a fractional value, which cwlVersion ${version} does not allow (its type is long); write a whole number, or declare cwlVersion: v1.2`,
    );
  }
  return value;
}

/**
 * Each parse of a tool's JavaScript (a field's scan, each expression, the expressionLib) holds
 * its regex literals to MAX_PROPERTY_ESCAPES (src/definition/parser.ts), but a field may hold
 * many expressions, each parsed natively on this thread three times (scan, check, compile):
 * a 107 KB field of 1,000 distinct `$(/\p{L}…/u…)` took 2.6 s against 0.32 s for as many
 * plain ones (attack round 5). So the whole tool's text is held to the same bound first.
 */
function checkPropertyEscapes(document: ToolDocument): void {
  let escapes = 0;
  for (const value of Object.values(document.fields)) if (typeof value === 'string') escapes += propertyEscapeCount(value);
  for (const text of document.javascript?.expressionLib ?? []) escapes += propertyEscapeCount(text);
  if (escapes > MAX_PROPERTY_ESCAPES) {
    throw invalid(document.name, `has more than ${MAX_PROPERTY_ESCAPES} Unicode property escapes (\\p{…}) in the regular expressions of its JavaScript (each builds a large character set when it is parsed); use fewer`);
  }
}
