/**
 * The CWL routes of the service: `POST /v1/cwl/resolve` with `{ tool, job }` and
 * `POST /v1/cwl/resolve-many` with `{ items: [{ tool, job }] }`, for CWL runners written in any
 * language (see docs/cwl.md). They share the resolver, the admission queue, the body limit and
 * the problem+json errors of the other routes: a document error is 400
 * (`TASKRES_CWL_INVALID`), an evaluation error 422. Like theirs, each evaluation waits for its
 * caller's turn (./fair-share.ts) and goes through its request's scope (RequestWork in
 * ./resolution.ts): it is not run, or its outcome is dropped, once the request is given up
 * (client gone, request timeout, or too many of its evaluations ran out of time or memory),
 * and after a sandbox stop charged to its caller it ranks after other callers' work.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cwlToResources, resolveCwl, type CwlResources } from 'taskres/cwl';
import { boundOutcomes, requestCharsOf } from './answer-size.js';
import type { RouteDeps } from './routes.js';
import { Problem, Resources } from './schemas.js';
import type { Resources as TaskResources } from 'taskres';
import type { Problem as ApiProblem } from './problems.js';
import type { RequestWork } from './resolution.js';
import { ProblemError, checkItemCount, validate } from './validate.js';

/** Body of POST /v1/cwl/resolve, and one item of POST /v1/cwl/resolve-many. */
export const CwlResolveBody = z.strictObject({
  tool: z
    .record(z.string(), z.unknown())
    .describe('One CommandLineTool as JSON (cwlVersion v1.0, v1.1 or v1.2; requirements and hints in list or map form); a workflow step\'s effective tool.'),
  job: z.record(z.string(), z.unknown()).optional().describe('The input object: Files carry their size in bytes. The tool\'s input defaults apply.'),
  name: z.string().min(1).max(200).optional().describe('How messages name the tool (e.g. its file name); default: its id, else its label.'),
});

/** Body of POST /v1/cwl/resolve-many. */
export const CwlResolveManyBody = z.strictObject({
  items: z.array(CwlResolveBody).describe('At most --max-items items; outcomes come back in the same order.'),
});

/** What a CWL job gets, in CWL's runtime terms. */
export const CwlValues = z
  .strictObject({
    cores: z.number().int(),
    ram: z.number().int().describe('MiB.'),
    tmpdirSize: z.number().int().describe('MiB.'),
    outdirSize: z.number().int().describe('MiB.'),
    cudaDeviceCount: z.number().int().optional().describe("Only for tools with cwltool's CUDARequirement."),
  })
  .describe("The values of runtime.cores, runtime.ram, runtime.tmpdirSize, runtime.outdirSize (and cwltool's cudaDeviceCount).");

/** 200 of POST /v1/cwl/resolve. */
export const CwlResolveResponse = z.strictObject({ values: CwlValues, resources: Resources.describe('The same in taskres units, rounded up.') });

/** 200 of POST /v1/cwl/resolve-many. */
export const CwlResolveManyResponse = z.strictObject({
  outcomes: z.array(
    z.discriminatedUnion('status', [
      z.strictObject({ status: z.literal('fulfilled'), values: CwlValues, resources: Resources }),
      z.strictObject({ status: z.literal('rejected'), error: Problem }),
    ]),
  ),
});

/** The schemas the OpenAPI document lists for these routes. */
export const CWL_COMPONENTS = { CwlResolveBody, CwlResolveManyBody, CwlValues, CwlResolveResponse, CwlResolveManyResponse } as const;

/** The OpenAPI paths of these routes, built with the document's own `post` helper. */
export function cwlOpenApiPaths(post: (operationId: string, summary: string, body: keyof typeof CWL_COMPONENTS, ok: keyof typeof CWL_COMPONENTS, errors: number[]) => unknown): Record<string, unknown> {
  return {
    '/v1/cwl/resolve': post('resolveCwl', "Evaluate one CWL tool's ResourceRequirement for a job", 'CwlResolveBody', 'CwlResolveResponse', [400, 401, 413, 415, 422, 429, 503]),
    '/v1/cwl/resolve-many': post('resolveCwlMany', 'Evaluate many CWL jobs (batched); outcomes in input order', 'CwlResolveManyBody', 'CwlResolveManyResponse', [400, 401, 413, 415, 429, 503]),
  };
}

/** What routes.ts lends these routes (passed in, so that the two files do not import each other). */
export interface RouteHelpers {
  admitted<T>(request: FastifyRequest, reply: FastifyReply, deps: RouteDeps, count: number, route: string, work: (work: RequestWork) => Promise<T>): Promise<T>;
  retryHeaders(status: number): Record<string, string>;
}

/** One item of either route, validated. */
type CwlItem = z.infer<typeof CwlResolveBody>;

/** One answered item of /v1/cwl/resolve-many. */
type CwlItemOutcome = { status: 'fulfilled'; values: CwlResources; resources: TaskResources } | { status: 'rejected'; error: ApiProblem };

/**
 * Evaluates one item through its request's scope (the request's signal and its caller's group):
 * `taskres/cwl` takes the scope as its resolver and hands its sandbox jobs to it.
 */
function evaluate(item: CwlItem, work: RequestWork): Promise<CwlResources> {
  return resolveCwl(work.scope, item.tool, item.job ?? {}, item.name === undefined ? {} : { name: item.name });
}

/** Registers the CWL routes on `app`. */
export function registerCwlRoutes(app: FastifyInstance, deps: RouteDeps, { admitted, retryHeaders }: RouteHelpers): void {
  const { config, resolution } = deps;

  app.post('/v1/cwl/resolve', async (request, reply) => {
    const body = validate(CwlResolveBody, request.body, request.id);
    return admitted(request, reply, deps, 1, '/v1/cwl/resolve', async (work) => {
      try {
        const values = await resolution.turn(request.caller, work, () => evaluate(body, work));
        deps.onOutcome('ok');
        return { values, resources: cwlToResources(values) };
      } catch (error) {
        const found = resolution.problem(error, request.id, work);
        deps.onOutcome(found.code);
        throw new ProblemError(found, retryHeaders(found.status));
      }
    });
  });

  app.post('/v1/cwl/resolve-many', async (request, reply) => {
    const body = validate(CwlResolveManyBody, request.body, request.id);
    checkItemCount(body.items.length, config.maxItems, request.id);
    return admitted(request, reply, deps, body.items.length, '/v1/cwl/resolve-many', async (work) => {
      const outcomes = new Array<CwlItemOutcome>(body.items.length);
      // One evaluation per item, each in its caller's turn and settled on its own, so that the
      // request is given up as soon as its costly failures pass the budget (as /v1/resolve-many).
      await Promise.all(
        body.items.map((item, i) =>
          resolution.turn(request.caller, work, () => evaluate(item, work)).then(
            (values) => {
              deps.onOutcome('ok');
              outcomes[i] = { status: 'fulfilled', values, resources: cwlToResources(values) };
            },
            (reason: unknown) => {
              resolution.charge(work, reason);
              const found = resolution.problem(reason, request.id, work);
              deps.onOutcome(found.code);
              outcomes[i] = { status: 'rejected', error: found };
            },
          ),
        ),
      );
      // Past a budget, problems are kept short (see ./answer-size.ts).
      return { outcomes: boundOutcomes(outcomes, requestCharsOf(request)) };
    });
  });
}
