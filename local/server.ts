/**
 * Local mode: the Lambda handlers behind a plain HTTP server (on 127.0.0.1 unless HOST says
 * otherwise), each request
 * turned into the API Gateway event the Lambda would get, with a JWT authorizer in front.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIPv6, type AddressInfo } from "node:net";
import { join } from "node:path";
import { dynamoClient, s3Client } from "../functions/adapters/clients.js";
import { DynamoTicketStore } from "../functions/adapters/dynamo-ticket-store.js";
import type { Config } from "../functions/config.js";
import { ENTRY_DEPS, recordDeps, type Wiring } from "../functions/deps.js";
import { HTTP_ENTRIES, type Route } from "../functions/routes.js";
import { MAX_BODY_BYTES } from "../functions/domain/limits.js";
import { AppError, BodyTooLargeError, ConfigError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from "../functions/errors.js";
import { makeRecordHandler, readS3Event } from "../functions/handlers/record-upload.js";
import { withTopLevelMessage } from "../functions/handlers/uppy.js";
import { errorResponse, httpHandler, logUnexpected, ok, parseBody, parseJsonObject, type HttpHandler, type HttpResult } from "../functions/http.js";
import { logger } from "../functions/log.js";
import { verifyAdminRequest } from "./admin-auth.js";
import { createLocalAuth, DevTokenRequest } from "./auth.js";
import type { LocalConfig } from "./config.js";
import { demoAssets } from "./demo/assets.js";
import { EMBEDDED_S3_CREDENTIALS, LOCAL_DYNAMO_CREDENTIALS, startEmbeddedDynamo, startEmbeddedS3, type Embedded } from "./embedded.js";
import { toHttpEvent } from "./http-event.js";
import { publishingTicketStore, webhookPublisher } from "./webhook.js";
import { localPublicFiles } from "./public-files.js";
import { assertReachable, ensureBucket, ensureTable } from "./resources.js";
import { toAwsS3Event } from "./s3-events.js";

const TABLE = "upload-broker-tickets";
/** API Gateway refuses payloads above 10 MB; the handlers refuse far less. */
const MAX_REQUEST_BYTES = 1024 * 1024;

interface LocalRoute {
  method: string;
  path: string;
  auth: Route["auth"];
  handler: HttpHandler;
  pattern: RegExp;
}

export interface LocalServer {
  url: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  bucket: string;
  close(): Promise<void>;
}

/** Starts local mode as configured: embedded servers for unset endpoints, then the API. */
export async function startLocalServer(config: LocalConfig): Promise<LocalServer> {
  const embedded: Embedded[] = [];
  // Listening first gives the URL (with PORT=0, the port) that the issuer and CORS need;
  // requests that arrive while the rest starts wait for it instead of hanging.
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const http = createServer((req, res) => {
    started
      .then(() => serve(req, res))
      .catch((error: unknown) => {
        logUnexpected(error);
        send(res, errorResponse(error), allowedOrigin(req.headers.origin));
      });
  });
  // What Node's parser cannot read (a bad header line, say) gets the contract's shape too.
  http.on("clientError", (_error, socket) => {
    if (!socket.writable) return socket.destroy();
    const { body } = errorResponse(new AppError(400, "bad_request", "The request is not valid HTTP."));
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body!)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await listen(http, config.port, config.host);
  const port = (http.address() as AddressInfo).port;
  // The URL (and so the token issuer) is 127.0.0.1 whenever loopback is served; tokens are
  // minted and checked by this server alone, so one issuer serves every host name.
  const specific = !["0.0.0.0", "::", "127.0.0.1"].includes(config.host);
  const urlHost = specific ? hostLiteral(config.host) : "127.0.0.1";
  const url = `http://${urlHost}:${port}`;
  // Host names the server answers to (the DNS-rebinding guard), and origins allowed to call it:
  // its own pages under each of those names, then CORS_ORIGINS.
  const hostNames = [...new Set(["127.0.0.1", "localhost", urlHost, ...config.allowedHosts])];
  const hosts = hostNames.flatMap((h) => (port === 80 ? [`${h}:80`, h] : [`${h}:${port}`]));
  const origins = [...new Set([...hostNames.map((h) => `http://${h}${port === 80 ? "" : `:${port}`}`), ...config.corsOrigins])];
  const allowedOrigin = (origin: string | undefined) => (origin !== undefined && origins.includes(origin) ? origin : undefined);

  let onEmbeddedEvent: (event: unknown) => void = () => undefined;
  const { s3Endpoint, dynamoEndpoint, credentials, s3 } = await startBackends(config, origins, embedded, (event) => onEmbeddedEvent(event)).catch(
    async (error: unknown) => {
      // A start-up mistake leaves nothing running behind it.
      await closeHttp(http);
      for (const server of embedded) await server.close().catch(() => undefined);
      throw error;
    },
  );

  // Every function's dependencies from the same composition root as the Lambdas', on the
  // embedded (or given) endpoints. No change stream here: every ticket change is published
  // (logged, and POSTed to WEBHOOK_URL when set) as the deployed stack's stream would, without
  // ever blocking.
  const store = new DynamoTicketStore({ table: TABLE, region: config.region, endpoint: dynamoEndpoint, credentials: LOCAL_DYNAMO_CREDENTIALS });
  const files = localPublicFiles({ url, profiles: config.profiles, tickets: store, s3, bucket: config.bucket });
  const publisher = webhookPublisher(config.webhookUrl, logger, config.webhookSecret ? { secret: config.webhookSecret } : {});
  const published = (error: unknown) => logger.warn("completion event not published", { error: String(error) });
  const functions: Config = {
    bucket: config.bucket, table: TABLE, region: config.region, profiles: config.profiles, s3Endpoint, dynamoEndpoint, malwareScan: false,
    ...(files.url ? { publicFilesUrl: files.url } : {}),
  };
  const wiring: Wiring = {
    s3Credentials: credentials,
    dynamoCredentials: LOCAL_DYNAMO_CREDENTIALS,
    tickets: (tickets) => publishingTicketStore(tickets, config.bucket, publisher, published, files.deps.fileUrl),
  };
  // s3rver names a completed multipart upload `ObjectCreated:Post`: its event names prove nothing.
  const record = makeRecordHandler({ ...recordDeps(functions, wiring), unreliableEventNames: !config.s3Endpoint });
  const auth = await createLocalAuth(url);
  const demo = await demoAssets();

  // s3rver's notifications carry raw keys, like RGW's; encode them as AWS does.
  onEmbeddedEvent = (event) => {
    record(toAwsS3Event(event, { rawKeys: true })).catch((error: unknown) => logger.error("embedded S3 event failed", { error: String(error) }));
  };

  // The API's routes, each entry as its Lambda builds it; then local mode's own.
  const apiRoutes = HTTP_ENTRIES.flatMap((entry) => {
    const handler = entry.handler(ENTRY_DEPS[entry.name](functions, wiring) as never);
    return entry.endpoints.map(({ route }) => ({ method: route.method, path: route.path, auth: route.auth, handler }));
  });
  const table: LocalRoute[] = ([
    ...apiRoutes,
    // Local mode only: these routes do not exist in the deployed stack.
    {
      method: "POST", path: "/dev/token", auth: "none",
      handler: httpHandler(async (event) => ok({ token: await auth.mint(parseBody(event, DevTokenRequest)) })),
    },
    {
      method: "POST", path: "/dev/s3-events", auth: "none",
      handler: httpHandler(async (event) => {
        const body = toAwsS3Event(parseJsonObject(event, MAX_REQUEST_BYTES));
        const { problems } = readS3Event(body);
        if (!Array.isArray((body as { Records?: unknown }).Records) || problems.length > 0) {
          throw new ValidationError(problems.length ? problems : [{ path: "Records", message: "is required" }], "The body must be an S3 event notification.");
        }
        return ok(await record(body));
      }),
    },
    { method: "GET", path: "/.well-known/jwks.json", auth: "none", handler: async () => ok(await auth.jwks()) },
    ...files.routes,
    { method: "GET", path: "/", auth: "none", handler: async () => demo.page },
    { method: "GET", path: "/demo.js", auth: "none", handler: async () => demo.script },
  ] satisfies Omit<LocalRoute, "pattern">[]).map((route) => ({ ...route, pattern: new RegExp(`^${route.path.replace(/\./g, "\\.").replace(/\{(\w+)\}/g, "(?<$1>[^/]+)")}$`) }));

  ready();

  async function serve(req: IncomingMessage, res: ServerResponse) {
    // The dev routes need no token and /dev/s3-events deletes objects: refuse requests from
    // other sites (any foreign Origin not in CORS_ORIGINS, simple POSTs included) and
    // DNS-rebound host names (any Host not 127.0.0.1, localhost or in ALLOWED_HOSTS).
    if ((req.headers.origin !== undefined && !origins.includes(req.headers.origin)) || !hosts.includes(req.headers.host?.toLowerCase() ?? "")) {
      return send(res, errorResponse(new ForbiddenError("Local mode only answers its own pages and CORS_ORIGINS, under 127.0.0.1, localhost or ALLOWED_HOSTS.")), undefined);
    }
    const origin = req.headers.origin;
    const path = requestPath(req.url);
    // It deletes objects and needs no token: only this machine may feed it events.
    if (path === "/dev/s3-events" && !isLoopback(req.socket.remoteAddress)) {
      return send(res, errorResponse(new ForbiddenError("/dev/s3-events only answers clients on this machine.")), origin);
    }
    if (req.method === "OPTIONS") return send(res, { statusCode: 204 }, origin, true);
    const body = await readBody(req);
    const match = matchRoute(table, req.method ?? "GET", path);
    if (!match) return send(res, errorResponse(new NotFoundError(`No route for ${req.method} ${path}.`)), origin);
    const routeKey = `${match.route.method} ${match.route.path}`;
    const pathParameters = match.params ? { pathParameters: match.params } : {};
    if (match.route.auth === "iam") {
      // As API Gateway's IAM authorizer: no valid SigV4 signature of the admin key pair, 403.
      const caller = await verifyAdminRequest({ method: req.method ?? "GET", target: req.url ?? "/", headers: req.headers, body }, config.region);
      if (!caller) return send(res, errorResponse(new ForbiddenError("The admin routes take requests signed (SigV4, service execute-api) with the local admin key pair only.")), origin);
      const event = toHttpEvent(req, body, { routeKey, ...pathParameters });
      (event.requestContext as unknown as { authorizer: unknown }).authorizer = { iam: { userArn: caller.arn, accountId: caller.accountId } };
      return send(res, await match.route.handler(event), origin);
    }
    const claims = match.route.auth === "jwt" ? await auth.verify(req.headers.authorization) : undefined;
    if (match.route.auth === "jwt" && !claims) {
      // As API Gateway's own 401 (`{"message":"Unauthorized"}`), the Uppy routes' errors carry a top-level message.
      const refused = errorResponse(new UnauthorizedError());
      return send(res, match.route.path.startsWith("/uppy/") ? withTopLevelMessage(refused) : refused, origin);
    }
    const event = toHttpEvent(req, body, { routeKey, ...pathParameters }, claims);
    return send(res, await match.route.handler(event), origin);
  }

  return {
    url,
    s3Endpoint,
    dynamoEndpoint,
    bucket: config.bucket,
    async close() {
      await closeHttp(http);
      for (const server of embedded) await server.close();
    },
  };
}

/** Listens on `host:port`; a port in use or a foreign address is a `ConfigError` naming it. */
function listen(http: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const reason: Record<string, string> = {
        EADDRINUSE: `PORT ${port} is already in use (stop what listens there, or set another PORT; PORT=0 picks a free one).`,
        EACCES: `PORT ${port} needs privileges to listen on; use a port above 1023.`,
        EADDRNOTAVAIL: `HOST ${host} is not an address of this machine (use 127.0.0.1, 0.0.0.0 or one of its own addresses).`,
      };
      reject(new ConfigError(reason[error.code ?? ""] ?? `HOST ${host} PORT ${port}: could not listen: ${error.message}`));
    };
    http.once("error", failed);
    http.listen(port, host, () => {
      http.off("error", failed);
      resolve();
    });
  });
}

async function closeHttp(http: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeAllConnections();
  await closed;
}

/** The S3 and DynamoDB endpoints: checked when given, embedded when not; bucket and table ready. */
async function startBackends(config: LocalConfig, origins: string[], embedded: Embedded[], onEmbeddedEvent: (event: unknown) => void) {
  // Nothing listening must be one line within seconds, not the SDK's retries.
  await Promise.all([
    config.s3Endpoint ? assertReachable("S3_ENDPOINT", config.s3Endpoint) : undefined,
    config.dynamoEndpoint ? assertReachable("DYNAMODB_ENDPOINT", config.dynamoEndpoint) : undefined,
  ]);
  const s3Server = config.s3Endpoint ? undefined : await startEmbeddedS3(join(config.dataDir, "s3"), onEmbeddedEvent, { dataDirName: config.dataDir, region: config.region, origins });
  if (s3Server) embedded.push(s3Server);
  const dynamoServer = config.dynamoEndpoint ? undefined : await startEmbeddedDynamo(join(config.dataDir, "dynamodb"), config.dataDir);
  if (dynamoServer) embedded.push(dynamoServer);
  const s3Endpoint = config.s3Endpoint ?? s3Server!.endpoint;
  const dynamoEndpoint = config.dynamoEndpoint ?? dynamoServer!.endpoint;

  const credentials = config.credentials ?? EMBEDDED_S3_CREDENTIALS;
  const s3 = s3Client({ region: config.region, endpoint: s3Endpoint, credentials });
  const dynamo = dynamoClient({ region: config.region, endpoint: dynamoEndpoint, credentials: LOCAL_DYNAMO_CREDENTIALS });
  await ensureBucket(s3, config.bucket, origins, config.s3Endpoint ? `S3_ENDPOINT ${config.s3Endpoint}` : "S3_BUCKET");
  await ensureTable(dynamo, TABLE, config.dynamoEndpoint ? `DYNAMODB_ENDPOINT ${config.dynamoEndpoint}` : `LOCAL_DATA_DIR ${config.dataDir}`);
  return { s3Endpoint, dynamoEndpoint, credentials, s3 };
}

const isLoopback = (address: string | undefined) => address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";

const hostLiteral = (address: string) => (isIPv6(address) ? `[${address}]` : address);

/** The path of an origin-form request target (`/x?y`); anything else matches no route. */
function requestPath(target: string | undefined): string {
  if (!target?.startsWith("/") || target.startsWith("//")) return "";
  try {
    return new URL(target, "http://localhost").pathname;
  } catch {
    return "";
  }
}

/** The route for a request and its decoded path parameters; none (→ 404) for a malformed escape. */
function matchRoute(table: LocalRoute[], method: string, path: string) {
  for (const route of table) {
    const m = route.method === method ? route.pattern.exec(path) : null;
    if (!m) continue;
    try {
      return { route, params: m.groups ? Object.fromEntries(Object.entries(m.groups).map(([k, v]) => [k, decodeURIComponent(v)])) : undefined };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new BodyTooLargeError(MAX_BODY_BYTES);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, result: HttpResult, origin: string | undefined, preflight = false) {
  const headers: Record<string, string> = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
  if (origin) {
    headers["access-control-allow-origin"] = origin;
    headers["vary"] = "Origin";
    if (preflight) {
      headers["access-control-allow-methods"] = "GET, POST, DELETE, OPTIONS";
      headers["access-control-allow-headers"] = "authorization, content-type";
      headers["access-control-max-age"] = "600";
    }
  }
  const body = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8");
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}
