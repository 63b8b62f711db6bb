/**
 * The common request shapes of the resolve routes, recognised without zod: an item
 * `{ "task": "<loaded name>", "args": { ... } }` and a batch `{ "items": [such items] }`.
 * zod builds a new object for every item and every args record it checks (a tenth of the
 * server's time per item at 1,000 items a request, and much of its garbage); a body of this
 * shape is what zod would accept anyway and is used as it is. Anything else (a retry context,
 * an inline spec, any problem) goes through the zod schemas of ./schemas.ts as before, so every
 * problem keeps its text (test/serve-fast-validate.test.ts holds the two to the same answers).
 */
import type { ResolveBodyInput } from './schemas.js';

/** Longest task name the schema takes (TaskRef: `z.string().min(1).max(200)`). */
const MAX_TASK_NAME_CHARS = 200;

/** True for a JSON object: what `z.record` and `z.strictObject` take (not an array, not null). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** True when `value` is exactly `{ task: name, args: object }`, a body ResolveBody takes unchanged. */
export function isPlainItem(value: unknown): value is ResolveBodyInput {
  if (!isJsonObject(value)) return false;
  let keys = 0;
  for (const key in value) {
    if (key !== 'task' && key !== 'args') return false;
    keys++;
  }
  if (keys !== 2 || !Object.hasOwn(value, 'task') || !Object.hasOwn(value, 'args')) return false;
  const { task, args } = value;
  // zod's record drops a "__proto__" key (the JSON parser refuses one before this anyway).
  return typeof task === 'string' && task.length >= 1 && task.length <= MAX_TASK_NAME_CHARS && isJsonObject(args) && !Object.hasOwn(args, '__proto__');
}

/** True when `value` is exactly `{ items: [plain items] }`, a body ResolveManyBody takes unchanged. */
export function isPlainBatch(value: unknown): value is { items: ResolveBodyInput[] } {
  if (!isJsonObject(value)) return false;
  for (const key in value) if (key !== 'items') return false;
  const items = value.items;
  if (!Array.isArray(items)) return false;
  for (let i = 0; i < items.length; i++) if (!isPlainItem(items[i])) return false;
  return true;
}
