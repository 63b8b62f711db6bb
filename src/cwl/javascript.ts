/**
 * Compiles a tool's JavaScript (its expressionLib and every `$()`/`${}` resource field) into
 * one function that the sandbox runs once per job:
 *
 *     function cwl_resources(inputs, self, runtime) {
 *       'use strict';
 *       runtime = { get cores() { throw ... }, ... };   // not available in these fields
 *       ...expressionLib...                               // fresh variables for every job
 *       return [
 *         function () { return (coresMin); },
 *         function () { ...ramMin body... },
 *       ];
 *     }
 *
 * The sandbox calls it with a fresh copy of the job's inputs and `self` null, then calls the
 * fields it returns in order (src/isolate/prelude.ts, `evaluateCwl`): the lib runs once per job
 * and the job's fields share its variables and inputs, as the contract puts it ("a lib's own
 * variables start fresh for every job"). The lib and every field are one sandbox evaluation
 * under the resolver's deadline and memory verdict, so a job's JavaScript takes at most one
 * `timeoutMs` however many fields it has; a throw names the field that was running.
 *
 * What runs is what was checked: each piece (a lib entry, an expression, a function body) is
 * parsed alone and must be exactly one thing of its kind, the function is assembled from the
 * pieces' syntax trees (never by pasting text, so no piece can close the wrapper around it),
 * then printed and put through the same definition-time analysis as a resource function
 * (src/definition/analyze-source.ts), whose printed text is what the sandbox compiles.
 */
import type { Node } from 'acorn';
import { generate } from 'astring';
import { TaskresError } from '../core/errors.js';
import { quote } from '../core/text.js';
import { checkSandboxable, parseFunction, printChecked } from '../definition/analyze-source.js';
import { parseScript } from '../definition/parser.js';
import { describeTool, type CwlField } from './document.js';

/** The longest compiled function (expressionLib and expressions), in characters. */
export const MAX_CWL_SOURCE_CHARS = 256 * 1024;

/** One `$()` or `${}` field. */
export interface JavaScriptField {
  field: CwlField;
  form: 'paren' | 'brace';
  code: string;
}

// ESTree nodes are assembled generically here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = Node & Record<string, any>;

const PARSE_OPTIONS = { ecmaVersion: 'latest', sourceType: 'script' } as const;

const RUNTIME_KEYS = ['outdir', 'tmpdir', 'cores', 'ram', 'outdirSize', 'tmpdirSize', 'exitCode'];
const SKELETON =
  `(function cwl_resources(inputs, self, runtime) { 'use strict'; runtime = {` +
  RUNTIME_KEYS.map(
    (key) => ` get ${key}() { throw new Error(${JSON.stringify(`runtime.${key} is not available in ResourceRequirement: the runtime values are what these fields compute`)}); }`,
  ).join(',') +
  ` }; return []; })`;

/**
 * The checked source of the tool's function (see the module comment). Throws
 * `TASKRES_CWL_INVALID` naming the field or lib entry that is not valid JavaScript, or what
 * the sandbox cannot run.
 */
export function compileJavaScript(tool: string, expressionLib: readonly string[], fields: readonly JavaScriptField[]): string {
  const skeleton = expressionOf(parseScript(SKELETON, PARSE_OPTIONS) as AnyNode)!;
  const [directive, runtimeStub, fieldList] = skeleton.body.body as AnyNode[];
  const lib: AnyNode[] = [];
  expressionLib.forEach((text, index) => {
    const program = parsePiece(tool, `expressionLib[${index}]`, text);
    for (const statement of program.body as AnyNode[]) {
      // A lib's own 'use strict' is an ordinary statement once it is not first in the body.
      delete statement.directive;
      lib.push(statement);
    }
  });
  // The returned array literal holds one function per field, in the tool's slot order.
  fieldList!.argument.elements = fields.map((field) => thunk(tool, field));
  skeleton.body.body = [directive, runtimeStub, ...lib, fieldList];

  const what = `The JavaScript of ${describeTool(tool)} (its expressionLib and resource expressions)`;
  const text = generate(skeleton, { indent: '', lineEnd: ' ' });
  if (text.length > MAX_CWL_SOURCE_CHARS) {
    throw new TaskresError('TASKRES_CWL_INVALID', `${what} is ${text.length} characters; the limit is ${MAX_CWL_SOURCE_CHARS}. Shorten the expressionLib.`);
  }
  try {
    const checked = printChecked(parseFunction(text, what), what);
    checkSandboxable(checked, what);
    return checked.expressionSource;
  } catch (error) {
    if (error instanceof TaskresError) {
      // The analysis speaks of resource functions and task parameters; say it in CWL's terms too.
      const hint = / free variables? /.test(error.message) ? ' In a CWL tool, read values from inputs, or declare them (var) in the expressionLib.' : '';
      throw new TaskresError('TASKRES_CWL_INVALID', `${error.message}${hint}`, { cause: error });
    }
    throw error;
  }
}

/** `function () { return (code); }` for `$(code)`; `function () { code }` for `${code}`. */
function thunk(tool: string, field: JavaScriptField): AnyNode {
  const where = `${field.field} (${field.form === 'paren' ? '$(...)' : '${...}'})`;
  if (field.form === 'brace') {
    const fn = expressionOf(parsePiece(tool, where, `(function () {${field.code}\n})`, field.code));
    if (!fn || fn.type !== 'FunctionExpression' || fn.params.length > 0 || fn.async || fn.generator) {
      throw pieceError(tool, where, 'is not one function body', field.code);
    }
    return fn;
  }
  const expression = expressionOf(parsePiece(tool, where, `(${field.code}\n)`, field.code));
  if (!expression) throw pieceError(tool, where, 'is not one expression', field.code);
  const wrapper = expressionOf(parseScript('(function () { return 0; })', PARSE_OPTIONS) as AnyNode)!;
  wrapper.body.body[0].argument = expression;
  return wrapper;
}

function parsePiece(tool: string, where: string, text: string, shown = text): AnyNode {
  try {
    return parseScript(text, PARSE_OPTIONS) as AnyNode;
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/ \(\d+:\d+\)$/, '') : String(error);
    throw pieceError(tool, where, `is not valid JavaScript (${reason})`, shown);
  }
}

function pieceError(tool: string, where: string, problem: string, code: string): TaskresError {
  return new TaskresError('TASKRES_CWL_INVALID', `${describeTool(tool)}: ${where} ${problem}: ${quote(code, 120)}. Fix the JavaScript of that field.`);
}

/** The expression of a program that is exactly one expression statement. */
function expressionOf(program: AnyNode): AnyNode | undefined {
  const body = program.body as AnyNode[];
  return body.length === 1 && body[0]!.type === 'ExpressionStatement' ? body[0]!.expression : undefined;
}
