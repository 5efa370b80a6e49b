/**
 * Compile-time proof that `src/api-types.ts` is the schemas' `z.infer`: `tsc -p
 * client/tsconfig.check.json` fails on any route whose body, query, path or answer differs.
 */
import type * as z from "zod/v4/core";
import type { ResponseBody } from "../../functions/route.js";
import type { TableRoute } from "../../functions/routes.js";
import type { WebhookEvent } from "../../functions/domain/events.js";
import type { ErrorBody } from "../../functions/schemas.js";
import type { Routes, ErrorBody as ClientErrorBody, WebhookEvent as ClientWebhookEvent } from "../src/api-types.js";

/** Exactly the same type (not merely assignable both ways). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Flattens intersections and optional `| undefined` so only the shape is compared. */
type Shape<T> = T extends readonly (infer E)[] ? Shape<E>[] : T extends object ? { [K in keyof T]: Shape<Exclude<T[K], undefined>> } : T;
type Same<A, B> = Equal<Shape<A>, Shape<B>>;

/**
 * Queries and paths are text on the wire, so coerced fields take `unknown` in; the client sends what they
 * parse to: the input's keys (and which are optional) with the output's value types.
 */
type Text<S extends z.$ZodType> = { [K in keyof z.input<S>]: K extends keyof z.output<S> ? z.output<S>[K] : z.input<S>[K] };

type Route = TableRoute;
/** What the schema of a route's field says: answers as output, queries and paths as above, the rest as input. */
type Of<Id, Field extends string> = Extract<Route, { id: Id }> extends infer R
  ? Field extends "response" ? (R extends Route ? ResponseBody<R> : never)
    : R extends Record<Field, z.$ZodType> ? (Field extends "query" | "params" ? Text<R[Field]> : z.input<R[Field]>)
    : never
  : never;

/** The route fields whose types differ, as `route.field`; none when the client is current. */
type Drift = {
  [Id in keyof Routes]: {
    [F in keyof Routes[Id] & string]: Same<Routes[Id][F], Of<Id, F>> extends true ? never : `${Id}.${F}`;
  }[keyof Routes[Id] & string];
}[keyof Routes];

const everyRoute: [Drift] extends [never] ? true : Drift = true;
const everyId: Equal<keyof Routes, Route["id"]> = true;
const errorBody: Same<ClientErrorBody, z.output<typeof ErrorBody>> = true;
const webhookEvent: Same<ClientWebhookEvent, z.output<typeof WebhookEvent>> = true;
export { everyRoute, everyId, errorBody, webhookEvent };
