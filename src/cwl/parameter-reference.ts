/**
 * CWL parameter references (`$(inputs.reads.length)`, `$(inputs["x"][0].size)`), read by the
 * spec's grammar (concepts.md, "Parameter references") and evaluated here, in the host,
 * without any JavaScript: "they are designed to not require a Javascript engine".
 *
 *     symbol    ::= {Unicode alphanumeric}+
 *     singleq   ::= [' (( {character - { | \ ' \} } ))* ']
 *     doubleq   ::= [" (( {character - { | \ " \} } ))* "]
 *     index     ::= [ {decimal digit}+ ]
 *     segment   ::= . {symbol} | {singleq} | {doubleq} | {index}
 *     reference ::= ( {symbol} {segment}* )
 *
 * One reading differs from the letter of the grammar: a symbol may hold `_`. Input names such
 * as `special_file` are everywhere, the conformance test `dynamic_resreq_inputs` references
 * one without InlineJavascriptRequirement, and cwltool reads symbols as `\w+`.
 */

/** A parsed reference: its leading symbol and the keys that follow. */
export interface ParameterReference {
  root: string;
  /** Each key with how it was written: `.name` / `['name']` are keys, `[0]` indexes. */
  segments: { key: string | number; text: string }[];
  /** The reference as written (for messages). */
  text: string;
}

const SYMBOL = /^[\p{L}\p{N}_]+/u;

/** Parses `code` (the text between `$(` and `)`), or `undefined` when it is not a parameter reference. */
export function parseParameterReference(code: string): ParameterReference | undefined {
  const root = SYMBOL.exec(code)?.[0];
  if (root === undefined) return undefined;
  const segments: ParameterReference['segments'] = [];
  let i = root.length;
  while (i < code.length) {
    const rest = code.slice(i);
    let match: RegExpExecArray | null;
    if ((match = /^\.([\p{L}\p{N}_]+)/u.exec(rest))) segments.push({ key: match[1]!, text: match[0] });
    else if ((match = /^\['([^\\']*)'\]/.exec(rest)) || (match = /^\["([^\\"]*)"\]/.exec(rest))) segments.push({ key: match[1]!, text: match[0] });
    else if ((match = /^\[([0-9]+)\]/.exec(rest))) segments.push({ key: Number(match[1]), text: match[0] });
    else return undefined;
    i += match[0].length;
  }
  if (root === 'null' && segments.length > 0) return undefined;
  return { root, segments, text: code };
}

/** Why a reference could not be resolved (the caller names the field and the tool). */
export class ReferenceFailure extends Error {}

/**
 * Resolves a reference against the parameter context of a resource field: `inputs` (the
 * job), `self` (null: no context value is documented for these fields) and `runtime` (not
 * available: its values are what is being computed). Follows the spec's algorithm step by
 * step; every "it is an error" there throws {@link ReferenceFailure}.
 */
export function resolveParameterReference(reference: ParameterReference, inputs: Readonly<Record<string, unknown>>): unknown {
  const { root, segments } = reference;
  if (root === 'null') return null;
  let current: unknown;
  if (root === 'inputs') current = inputs;
  else if (root === 'self') current = null;
  else if (root === 'runtime') {
    throw new ReferenceFailure(`$(${reference.text}) reads runtime, which is not available in ResourceRequirement: its values (cores, ram, tmpdirSize, outdirSize) are what these fields compute`);
  } else {
    throw new ReferenceFailure(`$(${reference.text}) starts with '${root}', which is not in the parameter context (inputs, self, runtime)`);
  }
  let path = root;
  for (let s = 0; s < segments.length; s++) {
    const { key, text } = segments[s]!;
    if (typeof key === 'number') {
      if (!Array.isArray(current) && typeof current !== 'string') throw new ReferenceFailure(`${path} is ${kindOf(current)}, so ${path}${text} cannot index it (an index needs an array or a string)`);
      if (key >= current.length) throw new ReferenceFailure(`${path}${text} is out of range (${path} has ${current.length} element${current.length === 1 ? '' : 's'})`);
      current = current[key];
    } else {
      if (key === 'length' && s === segments.length - 1 && Array.isArray(current)) return current.length;
      if (typeof current !== 'object' || current === null || Array.isArray(current)) {
        throw new ReferenceFailure(`${path} is ${kindOf(current)}, so ${path}${text} cannot be read (a key needs an object)`);
      }
      if (!Object.hasOwn(current, key)) {
        const where = path === 'inputs' ? 'the job has no input' : `${path} has no key`;
        throw new ReferenceFailure(`${path}${text} is missing: ${where} '${key.slice(0, 80)}'`);
      }
      current = (current as Record<string, unknown>)[key];
    }
    path += text;
  }
  return current;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
