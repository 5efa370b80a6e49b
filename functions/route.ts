/**
 * What a route is, and how handlers and Lambda entries are built from routes. A route is one
 * typed object declared in its feature's module under `functions/handlers/`: `endpoint(route,
 * make)` turns it into its handler, `httpEntry(name, [...])` lists the handlers of one Lambda
 * entry, and `functions/routes.ts` collects the entries. The stack's routes and grants, local
 * mode, the OpenAPI document and the client's types all read those objects (docs/contributing.md).
 *
 * No CDK import: Lambda bundles carry this module.
 */
import type * as z from "zod/v4/core";
import type { Principal } from "./domain/principal.js";
import { errorResponse, httpHandler, iamCallerFrom, json, parseBody, parseParams, parseQuery, principalFrom, type HttpEvent, type HttpHandler, type IamCaller } from "./http.js";
import { NotFoundError } from "./errors.js";

/** Statuses of the API's error table (docs/api.md). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 501;

/**
 * The AWS permissions a route's handler needs, as IAM actions on the broker's own resources;
 * the stack grants each function the union of its routes' (and nothing else).
 */
export interface Access {
  /** On the upload objects (`uploads/*`). A presigned URL carries its signer's permission, so signing needs the action it signs. */
  readonly objects?: readonly `s3:${string}`[];
  /** On the ticket table (tickets and quota counters). */
  readonly table?: readonly `dynamodb:${string}`[];
  /** On the table's owner index (`GET /uploads`). */
  readonly ownerIndex?: readonly `dynamodb:${string}`[];
}

export interface Route {
  /** Unique, camelCase; the OpenAPI operationId and the client's name for it. */
  readonly id: string;
  readonly method: "GET" | "POST" | "DELETE";
  /** API Gateway syntax: `/uploads/{uploadId}`. */
  readonly path: string;
  /**
   * `jwt`: behind the JWT authorizer (the caller is read from the token); `iam`: behind the IAM
   * authorizer (SigV4 with AWS credentials: the admin routes); `none`: public.
   */
  readonly auth: "jwt" | "iam" | "none";
  readonly summary: string;
  readonly body?: z.$ZodType;
  readonly query?: z.$ZodType;
  readonly params?: z.$ZodType;
  /** Success status; the handler's result is its body. */
  readonly status: 200 | 201;
  /**
   * The success body's schema, by its name in `functions/schemas.ts`: the handler's result type
   * is checked against it, and the OpenAPI document shows it. A name, not the schema, so that no
   * Lambda bundle builds the response schemas at cold start (the handlers never parse what they
   * answer; tests hold the answers to the document).
   */
  readonly response: ResponseName;
  /** Every error status the route can answer (each with the contract's error body). */
  readonly errors: readonly ErrorStatus[];
  /** Largest request body in bytes, for routes with a body. @default MAX_BODY_BYTES */
  readonly bodyLimit?: number;
  /** Requests per second and burst for this route alone, within the stage's. @default the stage's only */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** What its handler calls. @default - no AWS call */
  readonly access?: Access;
}

/** Every schema of the contract (`functions/schemas.ts`), by name: types only, nothing is bundled. */
export type Schemas = typeof import("./schemas.js");
/** The names of those schemas a route can answer with. */
export type ResponseName = { [K in keyof Schemas]: Schemas[K] extends z.$ZodType ? K : never }[keyof Schemas];

/** What every route can answer: an unexpected failure. */
export const ALWAYS = [500] as const;
/** What every route behind the JWT authorizer can answer on top of its own. */
export const AUTHED = [401, ...ALWAYS] as const;
/** What every IAM-authorized route can answer on top of its own (API Gateway's 403 for a bad or missing signature, too). */
export const SIGNED = [403, ...ALWAYS] as const;
/** What every JSON body can get wrong. */
export const BODY = [400, 413, 422] as const;
/** The routes that issue tickets: a script that loops over them fills a bucket; each gets its own limit. */
export const SIGN_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const;

type Parsed<S> = S extends z.$ZodType ? z.output<S> : undefined;

/** A request as a handler sees it: the caller and every input, validated by its route. */
export interface EndpointRequest<R extends Route> {
  event: HttpEvent;
  user: R["auth"] extends "jwt" ? Principal : R["auth"] extends "iam" ? IamCaller : undefined;
  body: Parsed<R["body"]>;
  query: Parsed<R["query"]>;
  params: Parsed<R["params"]>;
}

/** The body a route answers with on success. */
export type ResponseBody<R extends Route> = z.output<Schemas[R["response"]]>;

/** A route's handler factory: given the dependencies, the Lambda-style handler; it carries its route. */
export type Endpoint<R extends Route = Route, D = never> = ((deps: D) => HttpHandler) & { readonly route: R };

/**
 * A route's handler: the caller (401), path (404), query and body (400/413/422) are read and
 * validated by `route` in that order, then the request function `make(deps)` returns runs and
 * its result (typed by `route.response`) is answered with `route.status`; whatever it throws
 * becomes the contract's error answer.
 */
export function endpoint<const R extends Route, D = void>(
  route: R,
  make: (deps: D) => (request: EndpointRequest<R>) => Promise<ResponseBody<R>>,
): Endpoint<R, D> {
  const build = (deps: D): HttpHandler => {
    const fn = make(deps);
    return httpHandler(async (event) => {
      const user = route.auth === "jwt" ? principalFrom(event) : route.auth === "iam" ? iamCallerFrom(event) : undefined;
      const params = route.params ? parseParams(event, route.params) : undefined;
      const query = route.query ? parseQuery(event, route.query) : undefined;
      const body = route.body ? parseBody(event, route.body, route.bodyLimit) : undefined;
      return json(route.status, await fn({ event, user, body, query, params } as EndpointRequest<R>));
    });
  };
  return Object.assign(build, { route });
}

/** `METHOD /path`, as API Gateway names a route (`event.routeKey`). */
export const routeKey = (route: Pick<Route, "method" | "path">) => `${route.method} ${route.path}`;

/** What the handler factory `E` needs: nothing for one that takes no dependencies. */
type DepsOf<E> = E extends (deps: infer D) => HttpHandler ? ([D] extends [void] ? unknown : D) : never;

/** What every handler of `E` needs, together. */
export type EntryDeps<E extends readonly unknown[]> = E extends readonly [infer Head, ...infer Tail] ? DepsOf<Head> & EntryDeps<Tail> : unknown;

/** One Lambda function's routes: its name is its file under `functions/entries/`. */
export interface HttpEntry<N extends string = string, E extends readonly Endpoint<Route, never>[] = readonly Endpoint<Route, never>[]> {
  readonly name: N;
  readonly endpoints: E;
  /** The one handler of the function: each route's by `event.routeKey`, else the contract's 404. */
  handler(deps: EntryDeps<E>): HttpHandler;
}

/**
 * A Lambda entry built from the handlers of its routes; dispatch keys come from the routes
 * themselves. The API's `$default` route lands on the public entry's 404.
 */
export function httpEntry<const N extends string, const E extends readonly Endpoint<Route, never>[]>(name: N, endpoints: E): HttpEntry<N, E> {
  return {
    name,
    endpoints,
    handler(deps) {
      const handlers = new Map(endpoints.map((make) => [routeKey(make.route), (make as unknown as (d: unknown) => HttpHandler)(deps)]));
      return async (event) =>
        handlers.get(event?.routeKey)?.(event) ??
        errorResponse(new NotFoundError(`No route for ${event?.requestContext?.http?.method} ${event?.rawPath}.`));
    },
  };
}
