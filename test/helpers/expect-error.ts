import { expect } from 'vitest';
import { isTaskresError, type TaskresError, type TaskresErrorCode } from '../../dist/index.js';

/** Runs `fn`, expects it to throw a TaskresError with `code` (and a message matching `pattern`). */
export function expectTaskresError(fn: () => unknown, code: TaskresErrorCode, pattern?: RegExp): TaskresError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isTaskresError(thrown), `expected a TaskresError ${code}, got ${String(thrown)}`).toBe(true);
  const error = thrown as TaskresError;
  expect(error.code, error.message).toBe(code);
  if (pattern) expect(error.message).toMatch(pattern);
  return error;
}

/** Awaits `promise`, expects a rejection with a TaskresError with `code`. */
export async function expectRejection(promise: Promise<unknown>, code: TaskresErrorCode, pattern?: RegExp): Promise<TaskresError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  expect(outcome.ok, outcome.ok ? `expected ${code}, got ${JSON.stringify(outcome.value)}` : '').toBe(false);
  const error = (outcome as { error: unknown }).error;
  expect(isTaskresError(error), `expected a TaskresError ${code}, got ${String(error)}`).toBe(true);
  expect((error as TaskresError).code, (error as Error).message).toBe(code);
  if (pattern) expect((error as Error).message).toMatch(pattern);
  return error as TaskresError;
}
