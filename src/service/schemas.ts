/**
 * The request and response bodies of the `/v1` API as zod schemas: the same objects validate
 * every request (see ./validate.ts) and become the OpenAPI document (see ./openapi.ts).
 */
import { z } from 'zod';
import { PREVIOUS_ATTEMPT_SCHEMA } from 'taskres';

const whole = z.number().int();

/** A task spec, the `defineTask` JSON shape. Its contents are checked by defineTask (TASKRES_INVALID_SPEC). */
export const TaskSpec = z
  .looseObject({
    name: z.string().describe('The task name.'),
    params: z.array(z.string()).describe('The task signature: its parameter names.'),
    resources: z
      .record(z.string(), z.unknown())
      .describe('cpu, memory (GiB), storage (GiB), gpu: a whole number or the source text of a resource function; gpuType: a string.'),
  })
  .describe('A task spec, as defineTask takes it and task.toJSON() gives it.');

/** A task: the name of a task loaded with --tasks, or a spec given inline. */
export const TaskRef = z.union([z.string().min(1).max(200).describe('The name of a task loaded with --tasks.'), TaskSpec]);

/** A file argument as JSON. */
export const FileArg = z
  .strictObject({
    $file: z.string().min(1).max(4096).describe('A path or URI.'),
    size: whole.min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Size in bytes, when known: then nothing is looked up.'),
  })
  .describe('A file. Without size, allowed only as a path under the server\'s --files-root.');

/** The resources a task gets. */
export const Resources = z.strictObject({
  cpu: whole.describe('Whole cores.'),
  memory: whole.describe('GiB.'),
  storage: whole.describe('GiB of ephemeral disk.'),
  gpu: whole.describe('Whole devices.'),
  gpuType: z.string().optional(),
});

/** What happened to the previous attempt (contract: Retries): the library's own schema, not a copy. */
export const Previous = PREVIOUS_ATTEMPT_SCHEMA;

/** Body of POST /v1/resolve, and one item of POST /v1/resolve-many. */
export const ResolveBody = z.strictObject({
  task: TaskRef,
  args: z
    .record(z.string(), z.unknown())
    .describe('Exactly the task\'s parameters, as JSON data; files as { "$file": uri, "size": bytes } (see FileArg).'),
  attempt: whole.min(1).max(Number.MAX_SAFE_INTEGER).optional().describe('1-based attempt number (retries); required with previous.'),
  previous: Previous.optional(),
}).superRefine((body, context) => {
  // In the OpenAPI document as `dependentRequired: { previous: [attempt] }` (see ./openapi.ts).
  if (body.previous !== undefined && body.attempt === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['attempt'],
      message: 'is required with "previous": give the number of the attempt being resolved (2 for the first retry), received previous without attempt',
    });
  }
});

/** Body of POST /v1/resolve-many. */
export const ResolveManyBody = z.strictObject({
  items: z.array(ResolveBody).describe('At most --max-items items; outcomes come back in the same order.'),
});

/** Body of POST /v1/check. */
export const CheckBody = z.strictObject({
  spec: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).describe('One task spec or an array of them; every problem of every spec is reported.'),
});

/** A clamp warning (only with clamping resolvers). */
export const Warning = z.strictObject({ code: z.string(), taskName: z.string(), resource: z.string(), value: z.number(), limit: z.number() });

/** An RFC 9457 problem. */
export const Problem = z.strictObject({
  type: z.string().describe('A link to the code\'s section of docs/errors.md.'),
  title: z.string(),
  status: whole,
  detail: z.string(),
  code: z.string().describe('A TASKRES_* code.'),
  taskName: z.string().optional(),
  resource: z.string().optional(),
  instance: z.string().describe('The request id, as in the logs.'),
});

/** 200 of POST /v1/resolve. */
export const ResolveResponse = z.strictObject({ resources: Resources, warnings: z.array(Warning) });

/** 200 of POST /v1/resolve-many. */
export const ResolveManyResponse = z.strictObject({
  outcomes: z.array(
    z.discriminatedUnion('status', [
      z.strictObject({ status: z.literal('fulfilled'), resources: Resources, warnings: z.array(Warning) }),
      z.strictObject({ status: z.literal('rejected'), error: Problem }),
    ]),
  ),
});

/** 200 of POST /v1/check. */
export const CheckResponse = z.strictObject({
  ok: z.boolean(),
  problems: z.array(z.strictObject({ task: z.string().nullable(), code: z.string(), message: z.string(), resource: z.string().optional() })),
  omitted: whole.min(0).describe('Problems found but not listed: at most 30 are listed per spec, and their text is kept to twice the size of the request (at least 16 KiB).'),
});

/** 200 of GET /v1/tasks. */
export const TasksResponse = z.strictObject({ tasks: z.array(TaskSpec) });

/** 200 of GET /healthz and /readyz. */
export const Status = z.strictObject({ status: z.string() });

/** Request body types. */
export type ResolveBodyInput = z.output<typeof ResolveBody>;
