/**
 * Types that help: `tsc -p .` (part of `npm test`) compiles this file, so every
 * `@ts-expect-error` below is a claim that the line does NOT compile (tsc fails if it does),
 * and every other line is a claim that it does. The tests then run the same calls, so the
 * types are checked against what the library really does.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  TaskFile,
  createResolver,
  customTask,
  defineTask,
  smallTask,
  type Resources,
  type SandboxFile,
  type Task,
  type TaskArgs,
} from '../dist/index.js';
import { expectRejection } from './helpers/expect-error.js';
import { makeFiles } from './helpers/files.js';

/** Compile-time equality of two types: `true` only when each is assignable to the other. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

// A resource function typed with SandboxFile: `files[0].size()` and `.name` typecheck.
function allocateStorage({ files }: { files: SandboxFile[] }): number {
  return Math.ceil(files.reduce((sum, f) => sum + f.size(), 0) / 1024) + (files[0]?.name.length ?? 0);
}

const typed = customTask({ cpu: 1, memory: 1, storage: allocateStorage })(function align({
  files,
  count,
}: {
  files: TaskFile[];
  count: number;
}) {
  return files.length * count;
});

const resolver = createResolver({ threads: 1 });
const fixtures = makeFiles({ 'sizes.bin': 2048, 'abc.bin': 1024 });
afterAll(async () => {
  await resolver.close();
  fixtures.cleanup();
});

describe('SandboxFile', () => {
  it('is what a resource function receives: path, name and size() in bytes', async () => {
    const path = fixtures.path('sizes.bin');
    const task = customTask({ cpu: 1, memory: 1, storage: ({ files }: { files: SandboxFile[] }) => (files[0]?.size() ?? 0) / 1024 })(
      function one({ files }: { files: TaskFile[] }) {
        return files.length;
      },
    );
    expect(await resolver.resolve(task, { files: [new TaskFile(path)] })).toEqual({ cpu: 1, memory: 1, storage: 2, gpu: 0 });
  });

  it('types a resource function that reads sizes and names', async () => {
    const path = fixtures.path('abc.bin');
    // 1 KiB, plus the name's length (7): the same function the type check above accepted.
    expect(await resolver.resolve(typed, { files: [new TaskFile(path)], count: 2 })).toEqual({ cpu: 1, memory: 1, storage: 8, gpu: 0 });
  });
});

describe('resolve args typed from the task', () => {
  it('infers the args object of a task whose function takes one object pattern', () => {
    assertType<Equal<TaskArgs<typeof typed>, { files: TaskFile[]; count: number }>>();
    // Optional in the function's type, required at run time (a missing parameter is an error).
    const optional = smallTask(function opt({ n }: { n?: number }) {
      return n;
    });
    assertType<Equal<TaskArgs<typeof optional>, { n: number }>>();
    expect(typed.params).toEqual(['files', 'count']);
  });

  it('a missing parameter is a compile error and TASKRES_INVALID_ARGS at run time', async () => {
    // @ts-expect-error `count` is missing
    const missing = resolver.resolve(typed, { files: [] });
    await expectRejection(missing, 'TASKRES_INVALID_ARGS', /count/);
  });

  it('an unknown parameter is a compile error and TASKRES_INVALID_ARGS at run time', async () => {
    // @ts-expect-error `cont` is not a parameter of the task
    const unknownName = resolver.resolve(typed, { files: [], count: 1, cont: 1 });
    await expectRejection(unknownName, 'TASKRES_INVALID_ARGS', /cont/);
  });

  it('a path string where a TaskFile belongs is a compile error', async () => {
    // @ts-expect-error a string is not a TaskFile
    const wrongType = resolver.resolve(typed, { files: ['a.fq'], count: 1 });
    // At run time a string is data, so only the function's own use of it fails.
    await expect(wrongType).rejects.toMatchObject({ taskName: 'align', resource: 'storage' });
  });

  it('untyped callers keep working: unknown tasks, plain Task, defineTask tasks, plain parameters', async () => {
    const spec = defineTask({ name: 'spec', params: ['n'], resources: { cpu: '({ n }) => n', memory: 1 } });
    assertType<Equal<TaskArgs<typeof spec>, unknown>>();
    const positional = smallTask(function positional(files: TaskFile[], count: number) {
      return files.length + count;
    });
    // Plain parameters bind by name, which a type cannot carry: args stay unknown.
    assertType<Equal<TaskArgs<typeof positional>, unknown>>();
    const asUnknown: unknown = spec;
    const asTask: Task = spec;
    assertType<Equal<TaskArgs<unknown>, unknown>>();
    const results: Resources[] = await Promise.all([
      resolver.resolve(asUnknown, { n: 3 }),
      resolver.resolve(asTask, { n: 4 } as unknown),
      resolver.resolve(spec, { n: 5 }),
      resolver.resolve(positional, { files: [], count: 1 }),
    ]);
    expect(results.map((r) => r.cpu)).toEqual([3, 4, 5, 2]);
  });
});

describe('tasks stay the user function', () => {
  it('keeps the function type: arguments and result', () => {
    const hello = smallTask(function hello({ name }: { name: string }) {
      return `hi ${name}`;
    });
    const greeting: string = hello({ name: 'x' });
    // @ts-expect-error the task function takes { name: string }
    expect(() => hello({ nme: 'x' })).not.toThrow();
    expect(greeting).toBe('hi x');
  });
});
