import { Duration, Validations, type RemovalPolicy } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  ApiMapping,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  type CfnStage,
  LogGroupLogDestination,
  SecurityPolicy,
  type IHttpRouteAuthorizer,
  type ThrottleSettings,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import type { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { routeKey, routes, type HttpEntry, type EntryRoute } from "../functions/routes.js";
import { ApiGatewayv2DomainProperties } from "aws-cdk-lib/aws-route53-targets";
import { alarmOnAny } from "./alarms.js";
import { aliasRecords, checkCustomDomain, type CustomDomain } from "./custom-domain.js";
import { validateCorsOrigins } from "./cors-origins.js";
import { CORS_MAX_AGE, DEFAULT_LOG_RETENTION, DEFAULT_REMOVAL_POLICY, DEFAULT_THROTTLE } from "./secure-defaults.js";

/** The function behind each Lambda entry of the route table. */
export type UploadApiFunctions = Readonly<Record<HttpEntry, IFunction>>;

export interface UploadApiProps {
  /** The function of each entry the routes name. */
  readonly functions: UploadApiFunctions;
  /** The routes to serve. @default routes (the whole table of `functions/routes.ts`) */
  readonly routes?: readonly EntryRoute[];
  /** Guards every user route (`auth: "jwt"`); the admin routes (`auth: "iam"`) are behind the IAM authorizer. */
  readonly authorizer: IHttpRouteAuthorizer;
  /** Browser origins allowed to call the API. @default [] (no CORS) */
  readonly corsOrigins?: readonly string[];
  /** Stage-wide rate (requests/s) and burst. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttle?: ThrottleSettings;
  /** How long access logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the access log group when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Where the 5xx alarm notifies. @default - no action */
  readonly alarmTopic?: ITopic;
  /** Serve the API under a domain of yours (a regional endpoint, TLS 1.2). @default - the execute-api URL only */
  readonly domain?: CustomDomain;
}

/** The HTTP API: JWT-guarded routes, CORS for the configured origins, throttling, JSON access logs. */
export class UploadApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly serverErrorsAlarm: Alarm;
  /** The custom domain, with `domain`. */
  readonly domainName?: DomainName;
  private readonly customHost?: string;

  constructor(scope: Construct, id: string, props: UploadApiProps) {
    super(scope, id);
    if (props.domain) {
      checkCustomDomain(props.domain, "UploadApi domain");
      this.customHost = props.domain.domainName;
    }
    const origins = validateCorsOrigins(props.corsOrigins ?? []);
    const table: readonly EntryRoute[] = props.routes ?? routes;
    this.api = new HttpApi(this, "HttpApi", {
      description: "upload-broker: presigned S3 upload tickets",
      createDefaultStage: false,
      ...(origins.length
        ? {
            corsPreflight: {
              allowOrigins: origins,
              allowMethods: [...new Set(table.map((r) => r.method)), "OPTIONS"].map((m) => CorsHttpMethod[m as keyof typeof CorsHttpMethod]),
              allowHeaders: ["authorization", "content-type"],
              maxAge: CORS_MAX_AGE,
            },
          }
        : {}),
    });
    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.removalPolicy ?? DEFAULT_REMOVAL_POLICY,
    });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttle?.rateLimit ?? DEFAULT_THROTTLE.rateLimit,
        burstLimit: props.throttle?.burstLimit ?? DEFAULT_THROTTLE.burstLimit,
      },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: accessLogFormat() },
    });

    const integrations = new Map<HttpEntry, HttpLambdaIntegration>();
    const integration = (entry: HttpEntry) => {
      if (!integrations.has(entry)) integrations.set(entry, new HttpLambdaIntegration(`${entry}Integration`, props.functions[entry]));
      return integrations.get(entry)!;
    };
    // The admin routes: SigV4-signed requests whose signer may `execute-api:Invoke` them.
    const iam = new HttpIamAuthorizer();
    for (const route of table) {
      const isPublic = route.auth === "none";
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integration(route.entry),
        authorizer: isPublic ? new HttpNoneAuthorizer() : route.auth === "iam" ? iam : props.authorizer,
      });
      if (isPublic && created) {
        Validations.of(created).acknowledge({
          id: "AwsSolutions-APIG4",
          reason: `${routeKey(route)} is public by contract: it serves no user data (${route.summary})`,
        });
      }
    }
    // Per-route limits (the sign routes) within the stage's: the stage deploys after its routes.
    const throttled = table.filter((r) => r.throttle);
    if (throttled.length > 0) {
      const stage = this.stage.node.defaultChild as CfnStage;
      stage.addPropertyOverride(
        "RouteSettings",
        Object.fromEntries(throttled.map((r) => [routeKey(r), { ThrottlingRateLimit: r.throttle!.rateLimit, ThrottlingBurstLimit: r.throttle!.burstLimit }])),
      );
      for (const route of this.api.node.findAll().filter((c) => c instanceof HttpRoute)) this.stage.node.addDependency(route);
    }

    // Unknown routes reach the public function, which answers the contract's 404 JSON
    // instead of API Gateway's own `{"message":"Not Found"}`.
    const fallback = new HttpRoute(this, "DefaultRoute", {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integration("public"),
      authorizer: new HttpNoneAuthorizer(),
    });
    Validations.of(fallback).acknowledge({
      id: "AwsSolutions-APIG4",
      reason: "$default only answers 404 not_found for routes that do not exist; it serves no data.",
    });

    if (props.domain) {
      this.domainName = new DomainName(this, "DomainName", {
        domainName: props.domain.domainName, certificate: props.domain.certificate, securityPolicy: SecurityPolicy.TLS_1_2,
      });
      new ApiMapping(this, "DomainMapping", { api: this.api, domainName: this.domainName, stage: this.stage });
      aliasRecords(this, "DnsRecords", props.domain, new ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId));
    }

    // Handlers answer every expected failure themselves; a 5xx is a bug, a crash or a timeout.
    this.serverErrorsAlarm = alarmOnAny(this, "ServerErrorsAlarm", {
      description: "upload-broker API answered 5xx (internal error, crash or integration timeout).",
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: "Sum" }),
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
    });
  }

  /** The API's base URL: `https://<custom domain>/`, or e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/`. */
  get url(): string {
    return this.customHost ? `https://${this.customHost}/` : this.stage.url;
  }
}

/** One JSON line per request; `sub` says who, never the token. */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: "$context.requestId",
      requestTime: "$context.requestTime",
      ip: "$context.identity.sourceIp",
      userAgent: "$context.identity.userAgent",
      method: "$context.httpMethod",
      routeKey: "$context.routeKey",
      path: "$context.path",
      status: "$context.status",
      responseLength: "$context.responseLength",
      responseLatency: "$context.responseLatency",
      integrationLatency: "$context.integrationLatency",
      integrationError: "$context.integrationErrorMessage",
      authorizerError: "$context.authorizer.error",
      sub: "$context.authorizer.claims.sub",
    }),
  );
}
