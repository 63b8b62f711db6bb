/** The CWL routes of `taskres serve`: the real server process on a loopback port, called with fetch. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, serve, untilReady, type Served } from './helpers/server.js';

let server: Served;
beforeAll(async () => {
  server = await serve('--timeout-ms', '300', '--threads', '1', '--body-limit-bytes', '65536', '--max-items', '20');
  await untilReady(server.url);
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

// tests/dynresreq.cwl of the CWL v1.2 conformance suite, as JSON.
const dynresreq = {
  class: 'CommandLineTool',
  cwlVersion: 'v1.2',
  requirements: { ResourceRequirement: { coresMin: '$(inputs.special_file.size)', coresMax: '$(inputs.special_file.size)' } },
  inputs: { special_file: 'File' },
  outputs: { output: { type: 'stdout' } },
  baseCommand: 'echo',
  stdout: 'cores.txt',
  arguments: ['$(runtime.cores)'],
};
const job = { special_file: { class: 'File', location: 'special_file', size: 2 } };
const javascript = {
  ...dynresreq,
  id: 'js-tool',
  requirements: { InlineJavascriptRequirement: { expressionLib: ['function mib(f) { return Math.ceil(f.size / 1048576); }'] }, ResourceRequirement: { ramMin: '$(mib(inputs.special_file) * 1000)', coresMin: '${ if (inputs.special_file.size === 13) { for (;;) {} } return 2; }' } },
};

function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: `https://github.com/taskres/taskres/blob/main/docs/errors.md#${code.toLowerCase()}` });
}

describe('POST /v1/cwl/resolve', () => {
  it('answers the values and the same in taskres units', async () => {
    const response = await post(`${server.url}/v1/cwl/resolve`, { tool: dynresreq, job });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual({ values: { cores: 2, ram: 256, tmpdirSize: 1024, outdirSize: 1024 }, resources: { cpu: 2, memory: 1, storage: 2, gpu: 0 } });
  });

  it('runs JavaScript in the sandbox', async () => {
    const response = await post(`${server.url}/v1/cwl/resolve`, { tool: javascript, job: { special_file: { class: 'File', size: 5e6 } } });
    expect(response.body.values).toEqual({ cores: 2, ram: 5000, tmpdirSize: 1024, outdirSize: 1024 });
  });

  it('answers 400 TASKRES_CWL_INVALID for a document that breaks the spec, naming tool and field', async () => {
    const response = await post(`${server.url}/v1/cwl/resolve`, { tool: { ...dynresreq, cwlVersion: 'v1.0', requirements: { ResourceRequirement: { coresMin: 0.5 } } }, job, name: 'tools/x.cwl' });
    expectProblem(response, 400, 'TASKRES_CWL_INVALID');
    expect(response.body.detail).toContain('CWL tool "tools/x.cwl" has coresMin 0.5');
  });

  it('answers 422 for an evaluation that fails', async () => {
    expectProblem(await post(`${server.url}/v1/cwl/resolve`, { tool: dynresreq, job: {} }), 422, 'TASKRES_FUNCTION_THREW');
    expectProblem(await post(`${server.url}/v1/cwl/resolve`, { tool: javascript, job: { special_file: { class: 'File', size: 13 } } }), 422, 'TASKRES_TIMEOUT');
  });

  it('answers 400 for a body that is not { tool, job }', async () => {
    expectProblem(await post(`${server.url}/v1/cwl/resolve`, { tool: dynresreq, jobs: job }), 400, 'TASKRES_INVALID_ARGS');
    expectProblem(await post(`${server.url}/v1/cwl/resolve`, { tool: 'dynresreq.cwl', job }), 400, 'TASKRES_INVALID_ARGS');
  });

  it('applies the body limit', async () => {
    const big = { ...javascript, requirements: { InlineJavascriptRequirement: { expressionLib: ['x'.repeat(70_000)] } } };
    expectProblem(await post(`${server.url}/v1/cwl/resolve`, { tool: big, job }), 413, 'TASKRES_TOO_LARGE');
  });
});

describe('POST /v1/cwl/resolve-many', () => {
  it('answers outcomes in input order, each on its own', async () => {
    const items = [
      { tool: dynresreq, job },
      { tool: dynresreq, job: {} },
      { tool: javascript, job: { special_file: { class: 'File', size: 13 } } },
      { tool: javascript, job: { special_file: { class: 'File', size: 3e6 } } },
    ];
    const response = await post(`${server.url}/v1/cwl/resolve-many`, { items });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const outcomes = response.body.outcomes;
    expect(outcomes.map((o: { status: string; error?: { code: string } }) => o.error?.code ?? o.status)).toEqual(['fulfilled', 'TASKRES_FUNCTION_THREW', 'TASKRES_TIMEOUT', 'fulfilled']);
    expect(outcomes[3].values.ram).toBe(3000);
  });

  it('refuses more items than --max-items', async () => {
    expectProblem(await post(`${server.url}/v1/cwl/resolve-many`, { items: Array.from({ length: 21 }, () => ({ tool: dynresreq, job })) }), 413, 'TASKRES_TOO_LARGE');
  });
});

describe('OpenAPI', () => {
  it('describes the CWL routes in a valid document', async () => {
    const document = (await get(`${server.url}/v1/openapi.json`)).body;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/cwl/resolve', '/v1/cwl/resolve-many']));
    expect(document.components.schemas.CwlResolveBody).toBeDefined();
    const result = await new Validator().validate(document);
    expect(result.valid, JSON.stringify(result.errors)).toBe(true);
  });
});
