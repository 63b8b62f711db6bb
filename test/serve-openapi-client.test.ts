/**
 * The OpenAPI document as a client generator sees it: openapi-typescript (a real generator, a
 * dev dependency) turns the served /v1/openapi.json into types; a small client written against
 * them must type-check under strict TypeScript, and, compiled, call the running server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, serve, untilReady, type Served } from './helpers/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'taskres-openapi-client-'));
const token = 'openapi-client-token-0123456789';
let server: Served;
beforeAll(async () => {
  writeFileSync(join(scratch, 'token'), token);
  server = await serve('--tasks', 'examples/seed-tasks.json', '--token-file', join(scratch, 'token'));
  await untilReady(server.url);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** A client a scheduler's developer would write against the generated types. */
const CLIENT = `
import type { components, operations, paths } from './api.js';

type ResolveBody = paths['/v1/resolve']['post']['requestBody']['content']['application/json'];
type Resolved = operations['resolve']['responses']['200']['content']['application/json'];
type ManyBody = operations['resolveMany']['requestBody']['content']['application/json'];
type Outcomes = operations['resolveMany']['responses']['200']['content']['application/json']['outcomes'];
type CheckAnswer = operations['check']['responses']['200']['content']['application/json'];
type Problem = components['schemas']['Problem'];

async function call<T>(url: string, token: string, path: string, body: unknown): Promise<T | Problem> {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify(body) });
  return (await response.json()) as T | Problem;
}

export async function run(url: string, token: string): Promise<{ cpu: number; memory: number; outcomes: string[]; omitted: number; code: string }> {
  const body: ResolveBody = {
    task: 'my_task',
    args: { files: [{ $file: 's3://bucket/a.fq', size: 2 * 1024 ** 3 }], count: 3 },
    attempt: 2,
    previous: { resources: { cpu: 1, memory: 8, storage: 3, gpu: 0 }, reason: 'timeout' },
  };
  const resolved = (await call<Resolved>(url, token, '/v1/resolve', body)) as Resolved;
  const many: ManyBody = { items: [{ task: 'sort_reads', args: { reads: { $file: 's3://r.bam', size: 1 } } }, { task: 'nothing', args: {} }] };
  const outcomes = ((await call<{ outcomes: Outcomes }>(url, token, '/v1/resolve-many', many)) as { outcomes: Outcomes }).outcomes;
  const checked = (await call<CheckAnswer>(url, token, '/v1/check', { spec: { name: 'x', params: [], resources: { cpu: 1 } } })) as CheckAnswer;
  const refused = (await call<Resolved>(url, token, '/v1/resolve', { task: 'my_task', args: {}, previous: body.previous })) as Problem;
  return { cpu: resolved.resources.cpu, memory: resolved.resources.memory, outcomes: outcomes.map((o) => o.status), omitted: checked.omitted, code: refused.code };
}
`;

describe('a client generated from /v1/openapi.json (openapi-typescript)', () => {
  it('has an operationId on every operation, compiles under strict TypeScript, and calls the server', async () => {
    const document = (await get(`${server.url}/v1/openapi.json`, { authorization: `Bearer ${token}` })).body;
    const operations = Object.values(document.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((path) => Object.values(path));
    const ids = operations.map((operation) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-zA-Z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);

    writeFileSync(join(scratch, 'api.ts'), astToString(await openapiTS(document)));
    writeFileSync(join(scratch, 'client.ts'), CLIENT);
    const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [], skipLibCheck: false };
    const program = ts.createProgram([join(scratch, 'client.ts')], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);

    const compiled = ts.transpileModule(CLIENT, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
    writeFileSync(join(scratch, 'client.mjs'), compiled);
    const client = (await import(pathToFileURL(join(scratch, 'client.mjs')).href)) as { run(url: string, token: string): Promise<unknown> };
    expect(await client.run(server.url, token)).toEqual({ cpu: 1, memory: 8, outcomes: ['fulfilled', 'rejected'], omitted: 0, code: 'TASKRES_INVALID_ARGS' });
  }, 60_000);

  it('says `previous` requires `attempt` (dependentRequired), and its examples are bodies the server takes', async () => {
    const document = (await get(`${server.url}/v1/openapi.json`, { authorization: `Bearer ${token}` })).body;
    expect(document.components.schemas.ResolveBody.dependentRequired).toEqual({ previous: ['attempt'] });
    for (const [path, schema] of [['/v1/resolve', 'ResolveBody'], ['/v1/resolve-many', 'ResolveManyBody'], ['/v1/check', 'CheckBody']] as const) {
      const content = document.paths[path].post.requestBody.content['application/json'];
      expect(content.schema.$ref).toBe(`#/components/schemas/${schema}`);
      const example = content.examples.typical.value;
      // The example is a body the server takes: not refused for its shape (400 for its shape says "does not match the API").
      const answer = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(example) });
      const text = await answer.text();
      expect(text, path).not.toContain('does not match the API');
      expect(document.paths[path].post.responses['200'].content['application/json'].examples.typical.value).toBeDefined();
    }
  }, 60_000);
});
