/** The OpenAPI 3.1 document of the service, generated from the zod schemas that validate requests. */
import { z } from 'zod';
import * as schemas from './schemas.js';
import { CWL_COMPONENTS, cwlOpenApiPaths } from './cwl-routes.js';

const COMPONENTS = {
  TaskSpec: schemas.TaskSpec,
  FileArg: schemas.FileArg,
  Resources: schemas.Resources,
  Previous: schemas.Previous,
  ResolveBody: schemas.ResolveBody,
  ResolveManyBody: schemas.ResolveManyBody,
  CheckBody: schemas.CheckBody,
  Warning: schemas.Warning,
  Problem: schemas.Problem,
  ResolveResponse: schemas.ResolveResponse,
  ResolveManyResponse: schemas.ResolveManyResponse,
  CheckResponse: schemas.CheckResponse,
  TasksResponse: schemas.TasksResponse,
  Status: schemas.Status,
  ...CWL_COMPONENTS,
} as const;

type Component = keyof typeof COMPONENTS;

const ref = (name: Component) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: Component) => ({ 'application/json': { schema: ref(name) } });
const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: PROBLEM_TEXT[status] ?? 'Error', content: { 'application/problem+json': { schema: ref('Problem') } } }]));

const PROBLEM_TEXT: Record<number, string> = {
  400: 'Malformed JSON, unknown fields, a bad spec or bad arguments',
  401: 'Missing or wrong bearer token (servers started with --token-file)',
  404: 'No task of that name was loaded',
  413: 'Body or item count over the limit',
  415: 'The body is not application/json',
  422: 'A resource function failed: timed out, threw, returned a bad value, ran out of memory',
  429: 'Overloaded: retry after Retry-After seconds',
  503: 'Sandbox unavailable, shutting down, or the answer took too long: retry after Retry-After seconds',
};

/** A media type with its schema and, for the main bodies, a worked example. */
const jsonWithExample = (name: Component) => ({
  'application/json': { schema: ref(name), ...(EXAMPLES[name] === undefined ? {} : { examples: { typical: { value: EXAMPLES[name] } } }) },
});

/** Examples of the main request and response bodies: what a scheduler sends and gets back. */
const EXAMPLES: Partial<Record<Component, unknown>> = {
  ResolveBody: {
    task: { name: 'align', params: ['reads', 'threads'], resources: { cpu: '({ threads }) => threads', memory: 8, storage: '({ reads }) => Math.ceil(2 * reads.size() / 1024 ** 3)' } },
    args: { reads: { $file: 's3://bucket/sample_1.fq.gz', size: 3221225472 }, threads: 4 },
    attempt: 2,
    previous: { resources: { cpu: 4, memory: 8, storage: 6, gpu: 0 }, reason: 'oom', peak: { memory: 7.9 } },
  },
  ResolveResponse: { resources: { cpu: 4, memory: 16, storage: 6, gpu: 0 }, warnings: [] },
  ResolveManyBody: {
    items: [
      { task: 'sort_reads', args: { reads: { $file: 's3://bucket/a.bam', size: 1073741824 } } },
      { task: 'no_such_task', args: {} },
    ],
  },
  ResolveManyResponse: {
    outcomes: [
      { status: 'fulfilled', resources: { cpu: 2, memory: 4, storage: 2, gpu: 0 }, warnings: [] },
      {
        status: 'rejected',
        error: { type: 'https://github.com/taskres/taskres/blob/main/docs/errors.md#taskres_not_found', title: 'Not found', status: 404, detail: 'No task named "no_such_task" was loaded; loaded: sort_reads.', code: 'TASKRES_NOT_FOUND', instance: '0f8fad5b-d9cb-469f-a165-70867728950e' },
      },
    ],
  },
  CheckBody: { spec: { name: 'align', params: ['reads'], resources: { cpu: '({ reeds }) => 2', memory: 8 } } },
  CheckResponse: {
    ok: false,
    problems: [{ task: 'align', code: 'TASKRES_SIGNATURE', message: "The cpu function of task 'align' reads 'reeds', which is not a parameter (reads); did you mean 'reads'?", resource: 'cpu' }],
    omitted: 0,
  },
};

const post = (operationId: string, summary: string, body: Component, ok: Component, errors: number[]) => ({
  post: {
    operationId,
    summary,
    security: [{ bearer: [] }, {}],
    requestBody: { required: true, content: jsonWithExample(body) },
    responses: { '200': { description: 'OK', content: jsonWithExample(ok) }, ...problems(...errors) },
  },
});

const get = (operationId: string, summary: string, ok: Component, errors: number[], secured: boolean) => ({
  get: { operationId, summary, ...(secured ? { security: [{ bearer: [] }, {}] } : {}), responses: { '200': { description: 'OK', content: json(ok) }, ...problems(...errors) } },
});

/** Builds the document; `version` is the package version. */
export function openApiDocument(version: string): Record<string, unknown> {
  const components = Object.fromEntries(
    Object.entries(COMPONENTS).map(([name, schema]) => {
      const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      return [name, rest];
    }),
  );
  // `previous` needs `attempt`: a zod refinement (./schemas.ts), which JSON Schema says so.
  (components.ResolveBody as Record<string, unknown>).dependentRequired = { previous: ['attempt'] };
  return {
    openapi: '3.1.0',
    info: {
      title: 'taskres resolver service',
      version,
      description: 'Computes the compute resources of workflow tasks; resource functions run in a sandbox. Errors are RFC 9457 problem details with a TASKRES_* code (see docs/errors.md).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths: {
      '/v1/resolve': post('resolve', 'Resolve one task\'s resources', 'ResolveBody', 'ResolveResponse', [400, 401, 404, 413, 415, 422, 429, 503]),
      '/v1/resolve-many': post('resolveMany', 'Resolve many (batched); outcomes in input order', 'ResolveManyBody', 'ResolveManyResponse', [400, 401, 413, 415, 429, 503]),
      '/v1/check': post('check', 'Run every definition-time check on specs', 'CheckBody', 'CheckResponse', [400, 401, 413, 415]),
      ...cwlOpenApiPaths(post),
      '/v1/tasks': get('listTasks', 'The tasks loaded with --tasks', 'TasksResponse', [401], true),
      '/v1/openapi.json': { get: { operationId: 'getOpenApi', summary: 'This document (behind the bearer token, like every /v1 route)', security: [{ bearer: [] }, {}], responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } }, ...problems(401) } } },
      '/healthz': get('health', 'The process is up', 'Status', [], false),
      '/readyz': get('ready', 'The sandbox is ready and the server is not draining', 'Status', [503], false),
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics', responses: { '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    },
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Required on /v1 routes when the server was started with --token-file.' } },
    },
  };
}
