/**
 * Reads a function's source with a real JavaScript parser (acorn): the parameters it binds
 * by name, and the free variables it would need from its module. Nothing here runs the code.
 *
 * What the sandbox runs is printed from the checked tree (astring), never the user's text:
 * acorn and V8 may tokenize the same text differently (regex or division after a `}`), so
 * the user's text could hide code from the check; printed text re-parses to the same tree.
 */
import { Script } from 'node:vm';
import type { Node } from 'acorn';
import { generate } from 'astring';
import { TaskresError } from '../core/errors.js';
import { quote } from '../core/text.js';
import { COMPILER_HELPERS, REMOVED_GLOBALS, SANDBOX_GLOBALS } from '../protocol/sandbox-globals.js';
import { MAX_NESTING, NestedTooDeeply, parseScript } from './parser.js';
import { unreviewedSyntax } from './syntax.js';

/** How a function binds task parameters. */
export interface ParameterBinding {
  /**
   * `object`: one object pattern `({ a, b, ...rest })`; `names`: plain identifiers `(a, b)`;
   * `cwl`: a CWL tool's compiled function, one call per job (src/cwl/javascript.ts).
   */
  style: 'object' | 'names' | 'cwl';
  /** The parameter names bound, in order. */
  names: string[];
  /** True when an object pattern has a rest element: it receives every other parameter. */
  rest: boolean;
}

/** A parsed function. */
export interface ParsedFunction {
  /** The function's name, or `''` for an anonymous one. */
  name: string;
  /**
   * Source of a single function expression, safe to wrap in parentheses and evaluate: after
   * {@link printChecked}, the text printed from {@link ParsedFunction.node}.
   */
  expressionSource: string;
  /** The parameters the function binds. */
  binding: ParameterBinding;
  /** The ESTree node of the function (positions relative to `expressionSource` + 1). */
  node: AnyNode;
  /** True for `async` functions. */
  isAsync: boolean;
  /** True for generator functions. */
  isGenerator: boolean;
  /**
   * The second parameter after an object pattern (the retry context: `{ attempt, previous }`),
   * or `undefined` when there is none. Its keys are checked by the caller against {@link CONTEXT_KEYS}.
   */
  context?: RetryContextPattern;
}

/** The keys a retry-context parameter names, and why it is not a plain pattern of keys. */
export interface RetryContextPattern {
  keys: string[];
  /** Set when the parameter is not an object pattern of plain keys (a name, a rest element...). */
  problem?: string;
}

/**
 * What a resource function may name in its second parameter, an object pattern after its
 * object pattern of task parameters: `({ files }, { attempt, previous }) => ...`.
 */
export const CONTEXT_KEYS: readonly string[] = Object.freeze(['attempt', 'previous']);

// ESTree nodes are read generically here; the fields used are checked by `type`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = Node & Record<string, any>;

const PARSE_OPTIONS = { ecmaVersion: 'latest', sourceType: 'script' } as const;

// One line, no indentation: printed size stays proportional to the tree whatever its depth,
// and no `-->` can start a line (an HTML close comment to V8 in scripts).
const PRINT_OPTIONS = { indent: '', lineEnd: ' ' } as const;

/**
 * Parses the source of a function: a function or arrow expression, or (for functions taken
 * from objects and classes) a method. `what` names it in error messages.
 */
export function parseFunction(source: string, what: string): ParsedFunction {
  const asExpression = tryParse(`(${source}\n)`);
  if (asExpression.ok) {
    const node = singleExpression(asExpression.program);
    if (node && (node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression')) {
      return describeFunction(node, source, what);
    }
    if (node?.type === 'ClassExpression') {
      throw unserializable(what, 'is a class; give a plain function instead');
    }
    throw unserializable(what, 'must be exactly one function or arrow function expression, e.g. "({ files }) => Math.min(8, files.length)"');
  }
  if (asExpression.tooDeep) throw tooDeep(what);
  // Methods print as `name(a) { ... }`: read them as the method of an object literal.
  const asMethod = tryParse(`({${source}\n})`);
  if (asMethod.ok) {
    const object = singleExpression(asMethod.program);
    const property = object?.type === 'ObjectExpression' && object.properties.length === 1 ? object.properties[0] : undefined;
    if (property?.type === 'Property' && property.kind === 'init' && property.method) {
      const value = property.value as AnyNode;
      // `super` only parses inside a method: catch it before the method becomes a function.
      if (guardDepth(what, () => scanFunction(value)).usesSuper) throw unserializable(what, 'uses `super`');
      const text = `${value.async ? 'async ' : ''}function${value.generator ? '*' : ''} ${asMethod.text.slice(value.start, value.end)}`;
      const name = property.key.type === 'Identifier' ? property.key.name : '';
      return { ...parseFunction(text, what), name };
    }
    if (property?.type === 'Property' && property.kind !== 'init') {
      throw unserializable(what, 'is a getter or setter; give a plain function instead');
    }
  } else if (asMethod.tooDeep) {
    throw tooDeep(what);
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw unserializable(what, 'is a native or bound function (its source is "[native code]"); write a plain function whose source taskres can read, e.g. ({ files }) => Math.max(1, files.length)');
  }
  const { message, position } = asExpression.error;
  throw unserializable(what, `is not valid JavaScript: ${message}${position === undefined ? '' : ` at character ${Math.max(0, position - 1)}`} in ${quote(source, 120)}`);
}

/**
 * Prints a parsed function from its tree and parses the printed text again; returns the
 * function as printed (`expressionSource`) with the tree of the printed text, which is
 * deep-equal to the tree that was read. Throws `TASKRES_UNSERIALIZABLE` when the function
 * uses syntax not on the allowlist (./syntax.ts) or the printed text does not read back as
 * the same tree.
 */
export function printChecked(parsed: ParsedFunction, what: string): ParsedFunction {
  // First, and the same on every Node line: only reviewed syntax is printed, compiled or run.
  const unreviewed = unreviewedSyntax(parsed.node);
  if (unreviewed.length > 0) {
    throw unserializable(
      what,
      `uses ${unreviewed.join(', ')}, which the taskres sandbox does not allow: it admits only the syntax whose objects it hardens (ES2023 as Node 20 runs it); write the construct with plain statements`,
    );
  }
  const printed = guardDepth(what, () => generate(parsed.node, PRINT_OPTIONS));
  const again = tryParse(`(${printed}\n)`);
  if (!again.ok && again.tooDeep) throw tooDeep(what);
  const node = again.ok ? singleExpression(again.program) : undefined;
  if (!node || !guardDepth(what, () => sameTree(parsed.node, node))) {
    throw unserializable(
      what,
      'uses syntax taskres cannot reproduce exactly; the sandbox runs the function as taskres prints it from the checked syntax tree, and this one prints differently. Rewrite the construct, e.g. add parentheses or semicolons where a line starts with `/`, `(`, `[` or `` ` ``',
    );
  }
  // acorn knows syntax newer than some engines we run on (e.g. regex features Node 20's V8
  // lacks): have this process's engine compile the printed text (compile only, nothing
  // runs), so a function the sandbox could not compile is refused here, not at run time.
  try {
    new Script(`(${printed}\n)`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw unserializable(what, `uses syntax this Node.js (${process.version}) does not support: ${quote(message, 160)}`);
  }
  return { ...parsed, expressionSource: printed, node };
}

/** Runs `step` (a recursive parse, walk or print), reporting a stack overflow as too deep. */
export function guardDepth<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(what);
    throw error;
  }
}

function tooDeep(what: string): TaskresError {
  return unserializable(
    what,
    `is nested too deeply (the limit is ${MAX_NESTING} levels of brackets, and expressions or statements nested inside each other many hundreds of levels deep cannot be analysed); flatten it, e.g. with early returns or helper functions`,
  );
}

/**
 * Deep equality of two ESTree trees, positions ignored. Recursive, for speed: a tree acorn
 * could build without running out of stack is shallow enough (callers guard it anyway).
 */
function sameTree(x: unknown, y: unknown): boolean {
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return Object.is(x, y);
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameTree(x[i], y[i])) return false;
    return true;
  }
  if (x instanceof RegExp || y instanceof RegExp) {
    return x instanceof RegExp && y instanceof RegExp && x.source === y.source && x.flags === y.flags;
  }
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) {
    if (key === 'start' || key === 'end') continue;
    if (!Object.hasOwn(y, key) || !sameTree((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * Checks that a parsed resource function can run in the sandbox (its syntax was checked by
 * {@link printChecked}): synchronous, no generator, no `this`/`super`, no `import()`, no `with`, and
 * no free variables other than standard globals. Throws `TASKRES_UNSERIALIZABLE` listing every problem found.
 */
export function checkSandboxable(parsed: ParsedFunction, what: string): void {
  const problems: string[] = [];
  if (parsed.isAsync) problems.push('is async (resource functions are synchronous: return a number, not a Promise)');
  if (parsed.isGenerator) problems.push('is a generator (resource functions return a number)');
  const scan = guardDepth(what, () => scanFunction(parsed.node));
  if (scan.usesThis) problems.push('uses `this` (a resource function receives only task parameters; do not write it as a method that uses its object)');
  if (scan.usesSuper) problems.push('uses `super`');
  if (scan.usesImport) problems.push('uses import() (no modules are reachable from the sandbox)');
  if (scan.usesWith) problems.push('uses a `with` statement');
  const removed = [...scan.free].filter((name) => REMOVED_GLOBALS.has(name));
  const unknown = [...scan.free].filter(
    (name) => !SANDBOX_GLOBALS.has(name) && !REMOVED_GLOBALS.has(name) && !COMPILER_HELPERS.has(name),
  );
  if (unknown.length > 0) {
    problems.push(
      `uses ${unknown.map((n) => `\`${n}\``).join(', ')} from outside the function (free variable${unknown.length > 1 ? 's' : ''} that the sandbox does not have: only standard ECMAScript globals exist there; pass the value as a task parameter or write it into the function as a constant)`,
    );
  }
  if (removed.length > 0) {
    const why = removed.includes('Promise') ? ' (resource functions are synchronous: a promise cannot reach the result, and its jobs would run after the evaluation)' : '';
    problems.push(`uses ${removed.map((n) => `\`${n}\``).join(', ')}, which the taskres sandbox removes for safety${why}`);
  }
  if (problems.length > 0) throw unserializable(what, problems.join('; '));
}

function unserializable(what: string, problem: string): TaskresError {
  return new TaskresError('TASKRES_UNSERIALIZABLE', `${what} ${problem}.`);
}

type ParseResult =
  | { ok: true; program: AnyNode; text: string }
  | { ok: false; tooDeep: boolean; error: { message: string; position?: number } };

function tryParse(text: string): ParseResult {
  try {
    return { ok: true, program: parseScript(text, PARSE_OPTIONS) as AnyNode, text };
  } catch (error) {
    const e = error as { message?: string; pos?: number };
    const message = String(e.message ?? error).replace(/ \(\d+:\d+\)$/, '');
    return { ok: false, tooDeep: error instanceof NestedTooDeeply, error: { message, position: e.pos } };
  }
}

function singleExpression(program: AnyNode): AnyNode | undefined {
  const [statement, ...more] = program.body as AnyNode[];
  return more.length === 0 && statement?.type === 'ExpressionStatement' ? statement.expression : undefined;
}

function describeFunction(node: AnyNode, source: string, what: string): ParsedFunction {
  const params = node.params as AnyNode[];
  const context = params.length === 2 && unwrapDefault(params[0]!).type === 'ObjectPattern' ? readContext(params[1]!) : undefined;
  return {
    name: node.id?.name ?? '',
    expressionSource: source,
    binding: readBinding(context === undefined ? params : params.slice(0, 1), what),
    node,
    isAsync: Boolean(node.async),
    isGenerator: Boolean(node.generator),
    ...(context === undefined ? {} : { context }),
  };
}

/**
 * The keys of a retry-context pattern, and what is wrong with it, if anything; the caller
 * reports problems (`TASKRES_SIGNATURE`) with the function's name. Only an object pattern
 * after an object pattern is a context: after plain names (`(files, ctx)`) a second parameter
 * stays a task parameter bound by name, so that form's meaning never changes.
 */
function readContext(param: AnyNode): RetryContextPattern {
  const pattern = unwrapDefault(param);
  if (pattern.type !== 'ObjectPattern') {
    return { keys: [], problem: `takes a second parameter that is not an object pattern (${pattern.type === 'Identifier' ? `'${String(pattern.name).slice(0, 40)}'` : 'an array pattern or a rest element'})` };
  }
  const keys: string[] = [];
  for (const property of pattern.properties as AnyNode[]) {
    if (property.type === 'RestElement') return { keys, problem: 'has a rest element in its second parameter (the retry context)' };
    const key = property.computed ? undefined : property.key.type === 'Identifier' ? (property.key.name as string) : property.key.type === 'Literal' ? String(property.key.value) : undefined;
    if (key === undefined) return { keys, problem: 'names a computed key in its second parameter (the retry context)' };
    if (!keys.includes(key)) keys.push(key);
  }
  return { keys };
}

function readBinding(params: AnyNode[], what: string): ParameterBinding {
  const only = params.length === 1 ? unwrapDefault(params[0]!) : undefined;
  if (only?.type === 'ObjectPattern') {
    const names: string[] = [];
    let rest = false;
    for (const property of only.properties as AnyNode[]) {
      if (property.type === 'RestElement') {
        rest = true;
      } else if (!property.computed && property.key.type === 'Identifier') {
        names.push(property.key.name);
      } else if (!property.computed && property.key.type === 'Literal' && typeof property.key.value === 'string') {
        names.push(property.key.value);
      } else {
        throw unserializable(what, 'binds a parameter through a computed key; name each parameter, e.g. ({ files, count })');
      }
    }
    return { style: 'object', names, rest };
  }
  const names = params.map((param) => {
    const target = unwrapDefault(param);
    if (target.type !== 'Identifier') {
      throw unserializable(
        what,
        'must bind parameters by name: either one object pattern like ({ files, ...rest }) or plain names like (files, count)',
      );
    }
    return target.name as string;
  });
  return { style: 'names', names, rest: false };
}

function unwrapDefault(param: AnyNode): AnyNode {
  return param.type === 'AssignmentPattern' ? param.left : param;
}

interface Scan {
  free: Set<string>;
  usesThis: boolean;
  usesSuper: boolean;
  usesImport: boolean;
  usesWith: boolean;
}

/**
 * The names in scope at the walker's position, as one count per name: a lookup costs the
 * same at any depth, so the walk is linear in the size of the tree. Scopes are entered and
 * left in stack order, each removing exactly the names it added.
 */
class Bindings {
  readonly #counts = new Map<string, number>();
  has(name: string): boolean {
    return this.#counts.has(name);
  }
  add(name: string): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }
  remove(name: string): void {
    const count = this.#counts.get(name) ?? 0;
    if (count <= 1) this.#counts.delete(name);
    else this.#counts.set(name, count - 1);
  }
}

/** One scope of the walk: the names it declared, added to the shared {@link Bindings}. */
class Scope {
  readonly #own = new Set<string>();
  constructor(readonly bindings: Bindings) {}
  declare(name: string): void {
    if (this.#own.has(name)) return;
    this.#own.add(name);
    this.bindings.add(name);
  }
  has(name: string): boolean {
    return this.bindings.has(name);
  }
  leave(): void {
    for (const name of this.#own) this.bindings.remove(name);
  }
}

const SKIPPED_KEYS = new Set(['type', 'start', 'end', 'loc', 'range', 'raw']);

/** Walks a function and collects what it needs from outside itself. */
function scanFunction(root: AnyNode): Scan {
  const scan: Scan = { free: new Set(), usesThis: false, usesSuper: false, usesImport: false, usesWith: false };

  const visitFunction = (node: AnyNode, outer: Scope, isRoot: boolean): void => {
    const scope = new Scope(outer.bindings);
    if (node.type !== 'ArrowFunctionExpression') scope.declare('arguments');
    if (node.type === 'FunctionExpression' && node.id) scope.declare(node.id.name);
    for (const param of node.params as AnyNode[]) declarePattern(param, scope);
    // `this` in the root or in arrows nested in it is the root's `this`.
    const thisIsRoot = isRoot || node.type === 'ArrowFunctionExpression' ? thisOwnerIsRoot : false;
    const saved = thisOwnerIsRoot;
    thisOwnerIsRoot = thisIsRoot;
    // Default values are evaluated before the body exists: they cannot see its declarations.
    for (const param of node.params as AnyNode[]) visitPatternExpressions(param, scope);
    hoistVarsAndFunctions(node.body, scope);
    if (node.body.type === 'BlockStatement') visitBlock(node.body, scope);
    else visit(node.body, scope);
    thisOwnerIsRoot = saved;
    scope.leave();
  };

  let thisOwnerIsRoot = true;

  // A class static block is a scope of its own for `var` too.
  const visitVarScope = (block: AnyNode, outer: Scope): void => {
    const scope = new Scope(outer.bindings);
    hoistVarsAndFunctions(block, scope);
    visitBlock(block, scope);
    scope.leave();
  };

  const visitBlock = (block: AnyNode, outer: Scope): void => {
    const scope = new Scope(outer.bindings);
    declareLexical(block.body as AnyNode[], scope);
    for (const statement of block.body as AnyNode[]) visit(statement, scope);
    scope.leave();
  };

  const visitPatternExpressions = (pattern: AnyNode, scope: Scope): void => {
    switch (pattern.type) {
      case 'AssignmentPattern':
        visitPatternExpressions(pattern.left, scope);
        visit(pattern.right, scope);
        break;
      case 'ObjectPattern':
        for (const property of pattern.properties as AnyNode[]) {
          if (property.type === 'RestElement') visitPatternExpressions(property.argument, scope);
          else {
            if (property.computed) visit(property.key, scope);
            visitPatternExpressions(property.value, scope);
          }
        }
        break;
      case 'ArrayPattern':
        for (const element of pattern.elements as (AnyNode | null)[]) if (element) visitPatternExpressions(element, scope);
        break;
      case 'RestElement':
        visitPatternExpressions(pattern.argument, scope);
        break;
      default:
        break;
    }
  };

  const visit = (node: AnyNode | null | undefined, scope: Scope): void => {
    if (!node) return;
    switch (node.type) {
      case 'Identifier':
        if (!scope.has(node.name)) scan.free.add(node.name);
        return;
      case 'ThisExpression':
        if (thisOwnerIsRoot) scan.usesThis = true;
        return;
      case 'Super':
        // `super` can only stand in a method: one nested in the function has its own.
        if (thisOwnerIsRoot) scan.usesSuper = true;
        return;
      case 'ImportExpression':
        scan.usesImport = true;
        visit(node.source, scope);
        return;
      case 'WithStatement':
        scan.usesWith = true;
        visit(node.object, scope);
        visit(node.body, scope);
        return;
      case 'MetaProperty':
      case 'Literal':
      case 'TemplateElement':
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'FunctionDeclaration':
        visitFunction(node, scope, false);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        // The class's name is bound inside it, its `extends` clause included.
        const inner = new Scope(scope.bindings);
        if (node.id) inner.declare(node.id.name);
        visit(node.superClass, inner);
        const saved = thisOwnerIsRoot;
        thisOwnerIsRoot = false;
        for (const member of node.body.body as AnyNode[]) {
          if (member.computed) visit(member.key, inner);
          if (member.type === 'StaticBlock') visitVarScope(member, inner);
          else visit(member.value, inner);
        }
        thisOwnerIsRoot = saved;
        inner.leave();
        return;
      }
      case 'MemberExpression':
        visit(node.object, scope);
        if (node.computed) visit(node.property, scope);
        return;
      case 'Property':
        if (node.computed) visit(node.key, scope);
        if (node.value.type !== 'AssignmentPattern' || !node.shorthand) visit(node.value, scope);
        else {
          // `({ x = 1 } = value)`: an assignment to `x`, which must be a binding of its own.
          visit(node.value.left, scope);
          visitPatternExpressions(node.value, scope);
        }
        return;
      case 'LabeledStatement':
        visit(node.body, scope);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'BlockStatement':
        visitBlock(node, scope);
        return;
      case 'StaticBlock':
        visitVarScope(node, scope);
        return;
      case 'SwitchStatement': {
        visit(node.discriminant, scope);
        const inner = new Scope(scope.bindings);
        for (const switchCase of node.cases as AnyNode[]) declareLexical(switchCase.consequent as AnyNode[], inner);
        for (const switchCase of node.cases as AnyNode[]) {
          visit(switchCase.test, inner);
          for (const statement of switchCase.consequent as AnyNode[]) visit(statement, inner);
        }
        inner.leave();
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = new Scope(scope.bindings);
        const head = node.type === 'ForStatement' ? node.init : node.left;
        if (head?.type === 'VariableDeclaration' && head.kind !== 'var') {
          for (const declarator of head.declarations as AnyNode[]) declarePattern(declarator.id, inner);
        }
        for (const key of ['init', 'test', 'update', 'left', 'right', 'body']) visit(node[key], inner);
        inner.leave();
        return;
      }
      case 'CatchClause': {
        const inner = new Scope(scope.bindings);
        if (node.param) {
          declarePattern(node.param, inner);
          visitPatternExpressions(node.param, inner);
        }
        visitBlock(node.body, inner);
        inner.leave();
        return;
      }
      case 'VariableDeclarator':
        visitPatternExpressions(node.id, scope);
        visit(node.init, scope);
        return;
      default:
        for (const key of Object.keys(node)) {
          if (SKIPPED_KEYS.has(key)) continue;
          const child = node[key];
          if (Array.isArray(child)) for (const item of child) visitChild(item, scope);
          else visitChild(child, scope);
        }
    }
  };

  const visitChild = (child: unknown, scope: Scope): void => {
    if (child && typeof child === 'object' && typeof (child as AnyNode).type === 'string') visit(child as AnyNode, scope);
  };

  visitFunction(root, new Scope(new Bindings()), true);
  return scan;
}

/** Adds every name a binding pattern declares to `scope`. */
function declarePattern(pattern: AnyNode, scope: Scope): void {
  switch (pattern.type) {
    case 'Identifier':
      scope.declare(pattern.name);
      break;
    case 'AssignmentPattern':
      declarePattern(pattern.left, scope);
      break;
    case 'RestElement':
      declarePattern(pattern.argument, scope);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties as AnyNode[]) {
        declarePattern(property.type === 'RestElement' ? property.argument : property.value, scope);
      }
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements as (AnyNode | null)[]) if (element) declarePattern(element, scope);
      break;
    default:
      break;
  }
}

/** Declares a block's `let`, `const`, `class` and function declarations. */
function declareLexical(statements: AnyNode[], scope: Scope): void {
  for (const statement of statements) {
    if (statement.type === 'VariableDeclaration' && statement.kind !== 'var') {
      for (const declarator of statement.declarations as AnyNode[]) declarePattern(declarator.id, scope);
    } else if ((statement.type === 'ClassDeclaration' || statement.type === 'FunctionDeclaration') && statement.id) {
      scope.declare(statement.id.name);
    }
  }
}

/**
 * Declares every `var` and function declaration of a function body (they hoist to it).
 * Only statements can declare them, so only statements are walked, without recursion.
 */
function hoistVarsAndFunctions(body: AnyNode, scope: Scope): void {
  // Function declarations directly in the body hoist to it. One in a nested block belongs to
  // that block (declareLexical): in strict code it is visible nowhere else, and sloppy code's
  // Annex B extension (sometimes also visible outside) is not relied on, so reading it from
  // outside its block is reported as a free variable rather than risked.
  if (body.type === 'BlockStatement' || body.type === 'StaticBlock') {
    for (const statement of body.body as AnyNode[]) if (statement.type === 'FunctionDeclaration' && statement.id) scope.declare(statement.id.name);
  }
  const pending: (AnyNode | null | undefined)[] = [body];
  while (pending.length > 0) {
    const node = pending.pop();
    if (!node) continue;
    switch (node.type) {
      case 'VariableDeclaration':
        if (node.kind === 'var') for (const declarator of node.declarations as AnyNode[]) declarePattern(declarator.id, scope);
        break;
      case 'StaticBlock':
      case 'BlockStatement':
        for (const statement of node.body as AnyNode[]) pending.push(statement);
        break;
      case 'IfStatement':
        pending.push(node.consequent, node.alternate);
        break;
      case 'LabeledStatement':
      case 'WithStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
        pending.push(node.body);
        break;
      case 'ForStatement':
        pending.push(node.init, node.body);
        break;
      case 'ForInStatement':
      case 'ForOfStatement':
        pending.push(node.left, node.body);
        break;
      case 'TryStatement':
        pending.push(node.block, node.handler?.body, node.finalizer);
        break;
      case 'SwitchStatement':
        for (const switchCase of node.cases as AnyNode[]) for (const statement of switchCase.consequent as AnyNode[]) pending.push(statement);
        break;
      default:
        // Expressions, statements that hold no statements, and function declarations in
        // nested blocks (see above): nothing hoists out of them.
        break;
    }
  }
}
