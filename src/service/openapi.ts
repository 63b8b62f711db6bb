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

const post = (summary: string, body: Component, ok: Component, errors: number[]) => ({
  post: {
    summary,
    security: [{ bearer: [] }, {}],
    requestBody: { required: true, content: json(body) },
    responses: { '200': { description: 'OK', content: json(ok) }, ...problems(...errors) },
  },
});

const get = (summary: string, ok: Component, errors: number[], secured: boolean) => ({
  get: { summary, ...(secured ? { security: [{ bearer: [] }, {}] } : {}), responses: { '200': { description: 'OK', content: json(ok) }, ...problems(...errors) } },
});

/** Builds the document; `version` is the package version. */
export function openApiDocument(version: string): Record<string, unknown> {
  const components = Object.fromEntries(
    Object.entries(COMPONENTS).map(([name, schema]) => {
      const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      return [name, rest];
    }),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'taskres resolver service',
      version,
      description: 'Computes the compute resources of workflow tasks; resource functions run in a sandbox. Errors are RFC 9457 problem details with a TASKRES_* code (see docs/errors.md).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths: {
      '/v1/resolve': post('Resolve one task\'s resources', 'ResolveBody', 'ResolveResponse', [400, 401, 404, 413, 415, 422, 429, 503]),
      '/v1/resolve-many': post('Resolve many (batched); outcomes in input order', 'ResolveManyBody', 'ResolveManyResponse', [400, 401, 413, 415, 429, 503]),
      '/v1/check': post('Run every definition-time check on specs', 'CheckBody', 'CheckResponse', [400, 401, 413, 415]),
      ...cwlOpenApiPaths(post),
      '/v1/tasks': get('The tasks loaded with --tasks', 'TasksResponse', [401], true),
      '/v1/openapi.json': { get: { summary: 'This document', security: [{ bearer: [] }, {}], responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } }, ...problems(401) } } },
      '/healthz': get('The process is up', 'Status', [], false),
      '/readyz': get('The sandbox is ready and the server is not draining', 'Status', [503], false),
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    },
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Required on /v1 routes when the server was started with --token-file.' } },
    },
  };
}
