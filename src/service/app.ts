/**
 * The Fastify application: logging (pino, JSON, bodies never logged), request ids, the bearer
 * token, draining, and one error handler that turns every failure into a problem object.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { problem, type Problem } from './problems.js';
import { noteRequestChars, registerAnswerCompression } from './answer-size.js';
import { registerRoutes, retryHeaders, type RouteDeps } from './routes.js';
import { parseJsonBody } from './json-body.js';
import { ProblemError } from './validate.js';

/** What the application needs besides the routes' dependencies. */
export interface AppDeps extends RouteDeps {
  /** The caller an Authorization header names (undefined for none or a wrong token); undefined when no token is required. */
  identify: ((authorization: string | undefined) => string | undefined) | undefined;
  /** True once the server is shutting down: new work is refused with 503. */
  isDraining(): boolean;
  /** Where logs go (stderr for the CLI). */
  logStream: NodeJS.WritableStream;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Routes anyone may call: probes and the metrics scraper. They carry no task data. */
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** Compiles a route's request schema: there are none here, and adding one should fail at start. */
function refuseRequestSchema(): never {
  throw new Error('taskres serve validates requests with zod (src/service/validate.ts), not with Fastify route schemas');
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who sent the request: `token-N` for the N-th token of --token-file, or without tokens
     * the client's address. Caches and the sandbox's threads are shared per caller.
     */
    caller: string;
  }
}

/** The code of the problem each failed request was answered with, for its log line. */
const problemCodes = new WeakMap<object, string>();

/** Builds the application (not listening yet). */
export function buildApp(deps: AppDeps): FastifyInstance {
  const { config } = deps;
  const options: FastifyServerOptions = {
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    // New requests during shutdown get a problem object from the hook below, not a bare 503.
    return503OnClosing: false,
    // A caller's id is kept when it is short and plain (it ends up in logs); else one is made.
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // Requests are validated with zod (./validate.ts), so Fastify's default validator compiler,
    // Ajv, is never used: not loading it saves about a tenth of a second of start time.
    schemaController: { compilersFactory: { buildValidator: () => refuseRequestSchema } },
    // One line per request (below, on response) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    logger: {
      level: config.logLevel,
      stream: deps.logStream,
      // Only where and how: never bodies (argument values, function source), headers or query strings.
      serializers: {
        req: (request: { method?: string; url?: string; id?: string }) => ({ method: request.method, url: (request.url ?? '').split('?')[0]!.slice(0, 200), id: request.id }),
        res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
        // An error's message may quote what a caller sent: its type and code are enough to find it.
        err: ((error: { code?: string; name?: string }) => ({ type: error.name, code: error.code })) as never,
      },
    },
  };
  const app = Fastify(options);
  app.decorateRequest('caller', '');

  // Plain text is not a body this API takes: 415 instead of a confusing shape error.
  app.removeContentTypeParser('text/plain');
  // JSON with a message that says what was refused (see ./json-body.ts); the body limit still applies.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      noteRequestChars(request, (body as string).length);
      done(null, parseJsonBody(body as string, request.id));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const path = request.url.split('?')[0]!;
    if (OPEN_ROUTES.has(path)) return;
    if (deps.isDraining()) {
      throw new ProblemError(problem('TASKRES_CLOSED', 'This server is shutting down; send the request to another replica, or retry after Retry-After seconds.', request.id), retryHeaders(503));
    }
    if (!deps.identify) {
      request.caller = `address:${request.ip}`;
      return;
    }
    const caller = deps.identify(request.headers.authorization);
    if (caller === undefined) {
      throw new ProblemError(
        problem('TASKRES_UNAUTHORIZED', 'This server requires a bearer token: send the header Authorization: Bearer <token> with a token the server was started with (--token-file).', request.id),
        { 'www-authenticate': 'Bearer realm="taskres"' },
      );
    }
    request.caller = caller;
  });

  // While draining, each answer closes its connection: keep-alive sockets would otherwise hold
  // the shutdown until their idle timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (deps.isDraining()) reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.responses.inc({ route, status: String(reply.statusCode) });
    const code = problemCodes.get(request);
    request.log.info({ method: request.method, route, status: reply.statusCode, ...(code ? { code } : {}), ms: Math.round(reply.elapsedTime * 100) / 100 }, 'answered');
  });

  app.setErrorHandler(async (error: FastifyError | ProblemError, request, reply) => {
    const { found, headers } = toProblem(error, request.id, config.bodyLimitBytes);
    if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // A client that writes its whole body before reading (Python's urllib, most HTTP
      // libraries) gets a broken pipe instead of this 413 if the connection closes while it
      // writes: read the rest first (bounded), then answer and close.
      await discardBody(request.raw, Math.max(MIN_DISCARD_BYTES, 4 * config.bodyLimitBytes), Math.min(config.requestTimeoutMs, MAX_DISCARD_MS));
      headers.connection = 'close';
    }
    if (found.status >= 500 && !(error instanceof ProblemError)) request.log.error({ err: error }, 'request failed');
    problemCodes.set(request, found.code);
    return reply.code(found.status).headers(headers).type('application/problem+json').send(found);
  });

  app.setNotFoundHandler(async (request, reply) => {
    problemCodes.set(request, 'TASKRES_NOT_FOUND');
    const found = problem('TASKRES_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]!.slice(0, 100)}; the API is described at /v1/openapi.json.`, request.id);
    return reply.code(404).type('application/problem+json').send(found);
  });

  // Answers many times their request's size are compressed (see ./answer-size.ts).
  registerAnswerCompression(app);
  registerRoutes(app, deps);
  return app;
}

/** Bytes of an oversized body read and discarded before its 413: four times --body-limit-bytes, at least this. */
const MIN_DISCARD_BYTES = 16 * 1024 * 1024;
/** Longest the rest of an oversized body is read for (and at most --request-timeout-ms). */
const MAX_DISCARD_MS = 10_000;

/**
 * Reads and drops what is left of a request's body, so that its client, still writing, can
 * then read the answer: until the body ends, `maxBytes` more have come (a declared length
 * over that is not waited for), or `maxMs` have passed. Past those bounds the connection is
 * closed with the body unread, as before.
 */
function discardBody(raw: IncomingMessage, maxBytes: number, maxMs: number): Promise<void> {
  const declared = Number(raw.headers['content-length']);
  if (raw.complete || raw.destroyed || declared > maxBytes) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', done).off('close', done).off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, maxMs);
    raw.on('data', onData).once('end', done).once('close', done).once('error', done);
    raw.resume();
  });
}

const INVALID_JSON = 'The body is not valid JSON; send one JSON object (see /v1/openapi.json).';

/** The problem for whatever a route or Fastify threw, told apart by its code; never echoes the body. */
function toProblem(error: FastifyError | ProblemError, instance: string, bodyLimitBytes: number): { found: Problem; headers: Record<string, string> } {
  if (error instanceof ProblemError) return { found: error.problem, headers: error.headers };
  const status = (error as FastifyError).statusCode;
  switch ((error as FastifyError).code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { found: problem('TASKRES_TOO_LARGE', `The body is larger than this server takes (${bodyLimitBytes} bytes, --body-limit-bytes); split the request.`, instance), headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { found: problem('TASKRES_UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON, sent with Content-Type: application/json.', instance), headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { found: problem('TASKRES_INVALID_ARGS', 'The body is empty; send a JSON object (see /v1/openapi.json).', instance), headers: {} };
    // Not seen with the server's own JSON parser (./json-body.ts), which tells the two apart.
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { found: problem('TASKRES_INVALID_ARGS', INVALID_JSON, instance), headers: {} };
  }
  if (error instanceof SyntaxError) return { found: problem('TASKRES_INVALID_ARGS', INVALID_JSON, instance), headers: {} };
  if (status !== undefined && status >= 400 && status < 500) {
    return { found: { ...problem('TASKRES_INVALID_ARGS', `The request was refused: ${error.message.slice(0, 200)}.`, instance), status }, headers: {} };
  }
  return { found: problem('TASKRES_INTERNAL', 'The service failed to answer; the logs have the cause under this request id.', instance), headers: {} };
}
