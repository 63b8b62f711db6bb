/**
 * The syntax a resource function may use: an allowlist of acorn (ESTree) node types, and of
 * the operators and declaration kinds where one node type covers forms that differ.
 *
 * New syntax creates new objects (`using` makes V8 build a `SuppressedError`, whose prototype
 * no permit lists and no hardening walk reached), so syntax is admitted the way built-ins
 * are (src/isolate/intrinsics.ts): only what was reviewed, ES2023 as Node 20 runs it. A
 * construct acorn learns later is refused at definition, naming it, until someone reviews
 * the objects it creates and adds it here and to the realm test that exercises every form.
 */
import type { Node } from 'acorn';
import { REVIEWED_REGEX_FLAGS } from '../protocol/regex-bounds.js';
import { parseScript } from './parser.js';

// ESTree nodes are read generically here; the fields used are checked by `type`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = Node & Record<string, any>;

/**
 * Node types a resource function may contain. `ThisExpression`, `Super`, `ImportExpression`,
 * `WithStatement` and `MetaProperty` pass here and are judged by the scope check (which says
 * why each is refused where it is).
 */
export const ALLOWED_NODE_TYPES: ReadonlySet<string> = new Set([
  // Expressions
  'Identifier', 'Literal', 'TemplateLiteral', 'TemplateElement', 'TaggedTemplateExpression',
  'ArrayExpression', 'ObjectExpression', 'Property', 'SpreadElement',
  'FunctionExpression', 'ArrowFunctionExpression', 'ClassExpression',
  'UnaryExpression', 'UpdateExpression', 'BinaryExpression', 'LogicalExpression', 'AssignmentExpression',
  'ConditionalExpression', 'SequenceExpression', 'MemberExpression', 'ChainExpression',
  'CallExpression', 'NewExpression', 'YieldExpression',
  'ThisExpression', 'Super', 'MetaProperty', 'ImportExpression',
  // Patterns
  'ObjectPattern', 'ArrayPattern', 'RestElement', 'AssignmentPattern',
  // Classes
  'ClassDeclaration', 'ClassBody', 'MethodDefinition', 'PropertyDefinition', 'StaticBlock',
  // Statements and declarations
  'BlockStatement', 'EmptyStatement', 'ExpressionStatement', 'ReturnStatement', 'IfStatement',
  'SwitchStatement', 'SwitchCase', 'ThrowStatement', 'TryStatement', 'CatchClause',
  'WhileStatement', 'DoWhileStatement', 'ForStatement', 'ForInStatement', 'ForOfStatement',
  'LabeledStatement', 'BreakStatement', 'ContinueStatement', 'WithStatement',
  'FunctionDeclaration', 'VariableDeclaration', 'VariableDeclarator',
]);

/** Declaration kinds: `using` and `await using` (explicit resource management) are not reviewed. */
export const ALLOWED_DECLARATION_KINDS: ReadonlySet<string> = new Set(['var', 'let', 'const']);

/** Operators of `UnaryExpression`, `UpdateExpression`, `BinaryExpression`, `LogicalExpression`, `AssignmentExpression`. */
export const ALLOWED_OPERATORS: Readonly<Record<string, ReadonlySet<string>>> = {
  UnaryExpression: new Set(['-', '+', '!', '~', 'typeof', 'void', 'delete']),
  UpdateExpression: new Set(['++', '--']),
  BinaryExpression: new Set([
    '==', '!=', '===', '!==', '<', '<=', '>', '>=', '<<', '>>', '>>>',
    '+', '-', '*', '/', '%', '**', '|', '^', '&', 'in', 'instanceof',
  ]),
  LogicalExpression: new Set(['||', '&&', '??']),
  AssignmentExpression: new Set([
    '=', '+=', '-=', '*=', '/=', '%=', '**=', '<<=', '>>=', '>>>=', '|=', '^=', '&=', '||=', '&&=', '??=',
  ]),
};

/**
 * Async functions (and so `await` and `for await`) are refused: every promise job runs after the
 * evaluation that queued it has returned (V8 runs microtasks when the host's call ends, after
 * every evaluation of the batch), where a wedge or an allocation is charged to no one or to a
 * neighbour (attack round 4: a function that wedged only in a microtask, and only when it had
 * company, was never charged); and a resource function is synchronous, so nothing a promise
 * settles can reach its result. With the `Promise` global removed, nothing queues a microtask.
 */
const ASYNC_REFUSED = 'async functions, `await` and `for await` (a resource function is synchronous: nothing a promise settles can reach its result, and promise jobs would run after the evaluation)';

/**
 * Syntax that was reviewed and refused, with why. Private class members are the one way
 * JavaScript adds state to a frozen object: a base class whose constructor returns its
 * argument lets a subclass stamp `#field` onto any object, a frozen intrinsic included
 * (`Object.prototype`), where it outlives the evaluation and holds memory against every later
 * one in the isolate (attack round 4: a later tenant's 17.6 MB evaluation was charged
 * TASKRES_MEMORY_LIMIT for 24 MB the attacker's private field kept alive).
 */
const REFUSED: Readonly<Record<string, string>> = {
  PrivateIdentifier: 'private class members (`#name`; a class can attach them to any object, even a frozen shared one, where they outlive the evaluation: use ordinary properties)',
  AwaitExpression: ASYNC_REFUSED,
};

/**
 * Regex literals are syntax too: their flags and pattern grammar must be ES2023's (the `v`
 * flag, modifiers `(?i:…)` and duplicate group names are newer). What a literal may cost to
 * parse is bounded earlier, in the parser (./parser.ts), before acorn hands it to V8.
 */
const REGEX_GRAMMAR = { ecmaVersion: 2023, sourceType: 'script' } as const;
const NEWER_REGEX = 'regular-expression syntax newer than ES2023 (the `v` flag, modifiers such as `(?i:…)`, duplicate group names)';

/** `new.target` is the one meta property a script function can hold. */
const ALLOWED_META_PROPERTIES: ReadonlySet<string> = new Set(['new.target']);

// Position and literal fields, never nodes. `value` is not among them: it holds the function of
// every method, property and class field (an earlier version skipped it, so a \`using\` inside
// a method passed unseen; a Literal's value is never a node and is not taken anyway).
const SKIPPED_KEYS = new Set(['type', 'start', 'end', 'loc', 'range', 'raw', 'regex', 'bigint']);

/**
 * The constructs of a function's tree that are not on the allowlists, each named once
 * (e.g. "`using` declarations"). Iterative: any depth acorn builds.
 */
export function unreviewedSyntax(root: AnyNode): string[] {
  const found = new Set<string>();
  const pending: AnyNode[] = [root];
  const take = (child: unknown): void => {
    if (child !== null && typeof child === 'object' && typeof (child as AnyNode).type === 'string') pending.push(child as AnyNode);
  };
  while (pending.length > 0) {
    const node = pending.pop()!;
    const problem = judge(node);
    if (problem) found.add(problem);
    for (const key in node) {
      if (SKIPPED_KEYS.has(key)) continue;
      const child: unknown = node[key];
      if (Array.isArray(child)) for (const item of child) take(item);
      else take(child);
    }
  }
  return [...found];
}

/** Whether a regex literal's flags were reviewed and its pattern is ES2023 grammar (acorn checks it, with the parser's bounds). */
function reviewedRegex(regex: { pattern: unknown; flags: unknown }): boolean {
  const flags = String(regex.flags);
  if ([...flags].some((flag) => !REVIEWED_REGEX_FLAGS.includes(flag))) return false;
  try {
    parseScript(`/${String(regex.pattern)}/${flags}`, REGEX_GRAMMAR);
    return true;
  } catch {
    return false;
  }
}

function judge(node: AnyNode): string | undefined {
  const type = String(node.type).slice(0, 60);
  if (!ALLOWED_NODE_TYPES.has(type)) return REFUSED[type] ?? `syntax of type ${type}`;
  if (node.async === true || (type === 'ForOfStatement' && node.await === true)) return ASYNC_REFUSED;
  if (type === 'VariableDeclaration' && !ALLOWED_DECLARATION_KINDS.has(node.kind)) return `\`${String(node.kind).slice(0, 20)}\` declarations`;
  const operators = ALLOWED_OPERATORS[type];
  if (operators && !operators.has(node.operator)) return `the operator \`${String(node.operator).slice(0, 20)}\``;
  if (type === 'Literal' && node.regex && !reviewedRegex(node.regex)) return NEWER_REGEX;
  if (type === 'MetaProperty') {
    const name = `${node.meta?.name}.${node.property?.name}`;
    if (!ALLOWED_META_PROPERTIES.has(name)) return `\`${name.slice(0, 40)}\``;
  }
  return undefined;
}
