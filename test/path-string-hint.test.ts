/** The hint for a path string passed where a TaskFile belongs, through a real resolver and sandbox. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFile, createResolver, customTask, defineTask, type Resolver, type SandboxFile } from '../dist/index.js';
import { expectRejection } from './helpers/expect-error.js';
import { makeFiles } from './helpers/files.js';

const HINT = "Hint: 'files' holds strings; pass new TaskFile(path) to give the function file objects with size().";

const fixtures = makeFiles({ 'a.fq': 5, 'b.fq': 7 });
let resolver: Resolver;

beforeAll(() => {
  resolver = createResolver({ threads: 1 });
});
afterAll(async () => {
  await resolver.close();
  fixtures.cleanup();
});

const storage = customTask({
  cpu: 1,
  memory: 1,
  storage: ({ files }: { files: SandboxFile[] }) => files.reduce((total, f) => total + f.size(), 0),
})(function bytes({ files, label }: { files: TaskFile[]; label: string }) {
  return `${label}${files.length}`;
});

describe('a path string where a TaskFile belongs', () => {
  it('says which parameter holds strings and what to pass instead', async () => {
    const error = await expectRejection(resolver.resolve(storage, { files: [fixtures.path('a.fq')] as never, label: 'x' }), 'TASKRES_FUNCTION_THREW');
    expect(error.message).toBe(`The storage function of task 'bytes' threw: TypeError: f.size is not a function. ${HINT}`);
    expect(error.taskName).toBe('bytes');
    expect(error.resource).toBe('storage');
  });

  it('names the parameter the failing expression starts from', async () => {
    const task = defineTask({ name: 'one', params: ['file', 'other'], resources: { cpu: '({ file, other }) => file.size() + other.length', memory: 1 } });
    const error = await expectRejection(resolver.resolve(task, { file: fixtures.path('a.fq'), other: 'abc' }), 'TASKRES_FUNCTION_THREW');
    expect(error.message).toMatch(/file\.size is not a function\. Hint: 'file' holds strings; pass new TaskFile\(path\)/);
  });

  it('gives no hint when the files are TaskFiles, and the same function works', async () => {
    const ok = await resolver.resolve(storage, { files: [new TaskFile(fixtures.path('a.fq')), new TaskFile(fixtures.path('b.fq'))], label: 'x' });
    expect(ok.storage).toBe(12);
  });

  it('gives no hint when the parameters the function receives hold no strings', async () => {
    // `label` holds a string but the function does not receive it; `files` holds numbers.
    const error = await expectRejection(resolver.resolve(storage, { files: [3] as never, label: 'x' }), 'TASKRES_FUNCTION_THREW');
    expect(error.message).toBe("The storage function of task 'bytes' threw: TypeError: f.size is not a function.");
  });

  it('gives no hint for other errors, even with strings in the args', async () => {
    const task = defineTask({ name: 'other', params: ['files'], resources: { cpu: '({ files }) => files[0].sise()', memory: 1 } });
    const error = await expectRejection(resolver.resolve(task, { files: ['a.fq'] }), 'TASKRES_FUNCTION_THREW');
    expect(error.message).not.toContain('Hint');
    const thrown = defineTask({ name: 'thrown', params: ['files'], resources: { cpu: "({ files }) => { throw new Error('no ' + files[0]); }", memory: 1 } });
    expect((await expectRejection(resolver.resolve(thrown, { files: ['a.fq'] }), 'TASKRES_FUNCTION_THREW')).message).not.toContain('Hint');
  });
});
