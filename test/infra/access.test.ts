import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, it } from "vitest";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { routeKey, routes } from "../../functions/routes.js";
import type { UploadBrokerStack } from "../../lib/upload-broker-stack.js";
import { functionEntries } from "../../lib/upload-function.js";
import { logicalId, statementsOfRole, synthBroker, ORIGINS } from "./synth.js";

/** The default stack with two browser origins: who may do what (IAM, HTTP API, Cognito). */
const { template, stack, cleanup } = synthBroker({ corsOrigins: ORIGINS });
afterAll(cleanup);
const id = logicalId;

describe("least privilege", () => {
  type Entry = keyof UploadBrokerStack["broker"]["functions"];
  type Statement = { Effect: string; Action: string[]; Resource: unknown };
  const bucketArn = () => ({ "Fn::GetAtt": [id(stack.broker.bucket), "Arn"] });
  const uploads = () => ({ "Fn::Join": ["", [bucketArn(), "/uploads/*"]] });
  const table = () => ({ "Fn::GetAtt": [id(stack.broker.table), "Arn"] });
  const stream = () => ({ "Fn::GetAtt": [id(stack.broker.table), "StreamArn"] });
  const queue = (q: Queue) => ({ "Fn::GetAtt": [id(q), "Arn"] });
  const defaultBus = () => ({
    "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":events:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":event-bus/default"]],
  });
  const logs = (entry: Entry): Statement => ({
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: { "Fn::GetAtt": [id(stack.broker.functions[entry].logGroup), "Arn"] },
  });
  const allow = (actions: string[], Resource: unknown): Statement => ({ Effect: "Allow", Action: [...actions].sort(), Resource });
  const sendTo = (q: Queue) => allow(["sqs:SendMessage"], queue(q));
  /** Statements in a stable order: which statement CDK emits first says nothing about what is allowed. */
  const sorted = (list: Statement[]) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const statements = (entry: Entry) => sorted(statementsOfRole(template, id(stack.broker.functions[entry].role)));

  /**
   * Every function's exact grants beyond writing its own logs (lib/upload-broker.ts
   * grantLeastPrivilege, and CompletionEvents for publish-events). Typed by the entry, so a new
   * entry does not compile until its grants are written down here.
   */
  const GRANTS: Record<Entry, () => Statement[]> = {
    // Health, profiles and the OpenAPI document: no AWS call at all.
    public: () => [],
    // A presigned URL or policy carries the signer's PutObject, so that is all a sign role has on S3;
    // the ticket, and with a quota its counters in the same transaction (authorized by the items' actions).
    "sign-put": () => [allow(["s3:PutObject"], uploads()), allow(["dynamodb:PutItem", "dynamodb:UpdateItem"], table())],
    "sign-post": () => [allow(["s3:PutObject"], uploads()), allow(["dynamodb:PutItem", "dynamodb:UpdateItem"], table())],
    // Create, sign parts, list parts, complete (PutObject), check (GetObject: HeadObject), delete or abort a mismatch;
    // DeleteItem frees a quota's pending slot.
    multipart: () => [
      allow(["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:GetObject", "s3:DeleteObject"], uploads()),
      allow(["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], table()),
    ],
    // Uppy's routes: the same multipart calls, and the POST policy of its params route (PutObject).
    uppy: () => [
      allow(["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:GetObject", "s3:DeleteObject"], uploads()),
      allow(["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], table()),
    ],
    "get-upload": () => [allow(["dynamodb:GetItem"], table())],
    // Reads the quota counters only.
    usage: () => [allow(["dynamodb:GetItem", "dynamodb:BatchGetItem"], table())],
    "list-uploads": () => [allow(["dynamodb:Query"], { "Fn::Join": ["", [table(), "/index/byOwner"]] })],
    // A download link carries GetObject; DELETE deletes a completed object or aborts a pending upload. No PutObject.
    "upload-object": () => [
      allow(["s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], uploads()),
      allow(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], table()),
    ],
    // Head (GetObject) and delete what does not match; UpdateItem also moves a quota's bytes, DeleteItem
    // frees a pending slot; its S3 events' dead-letter queue.
    "record-upload": () => [
      allow(["s3:GetObject", "s3:DeleteObject"], uploads()),
      allow(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], table()),
      sendTo(stack.broker.deadLetterQueue),
    ],
    // GuardDuty's verdicts: the ticket moves on, a refused object is deleted (HeadObject first); nothing routes to it without malwareScan.
    "scan-result": () => [allow(["s3:GetObject", "s3:DeleteObject"], uploads()), allow(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], table())],
    // The sweeper: the sparse index only, then what recording needs, an abort for an expired multipart
    // upload, and ListObjectsV2 limited to the uploads/ prefix.
    sweep: () => [
      allow(["dynamodb:Query"], { "Fn::Join": ["", [table(), "/index/pendingByExpiry"]] }),
      allow(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], table()),
      allow(["s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], uploads()),
      { ...allow(["s3:ListBucket"], bucketArn()), Condition: { StringLike: { "s3:prefix": ["uploads/*"] } } } as Statement,
    ],
    // Reads this table's stream (ListStreams has no resource-level permissions), puts events on the
    // default bus only, reports failed batches to its own queue. Nothing on the bucket or the table's items.
    "publish-events": () => [
      allow(["dynamodb:ListStreams"], "*"),
      allow(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], stream()),
      allow(["events:PutEvents"], defaultBus()),
      sendTo(stack.broker.completionEvents.failureQueue),
    ],
  };

  it("names the grants of every function the stack builds, and only those", () => {
    expect(Object.keys(GRANTS).sort()).toEqual(functionEntries().sort());
    expect(Object.keys(stack.broker.functions).sort()).toEqual(functionEntries().sort());
  });

  it.each(functionEntries())("%s may write its own logs and make exactly the calls its code makes, nothing else", (entry) => {
    expect(statements(entry)).toEqual(sorted([logs(entry), ...GRANTS[entry]()]));
  });

  it("grants nothing on a bare '*' but publish-events' dynamodb:ListStreams (IAM accepts no resource for it)", () => {
    const publishRole = id(stack.broker.functions["publish-events"].role);
    const policies = Object.values(template.findResources("AWS::IAM::Policy"));
    const onStar = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
        .filter((s) => [s.Resource].flat().includes("*"))
        .map((s) => ({ roles: p.Properties.Roles, actions: [s.Action].flat() })),
    );
    expect(onStar).toEqual([{ roles: [{ Ref: publishRole }], actions: ["dynamodb:ListStreams"] }]);
    // No wildcard action anywhere either (s3:*, dynamodb:*, ...).
    for (const p of policies) {
      for (const s of p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>) {
        for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
      }
    }
  });

  it("no function role has a managed policy", () => {
    for (const fn of Object.values(stack.broker.functions)) {
      expect(template.findResources("AWS::IAM::Role")[id(fn.role)]?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe("HTTP API", () => {
  const authorizerId = () => Object.keys(template.findResources("AWS::ApiGatewayV2::Authorizer"))[0];

  it("has a JWT authorizer trusting the created user pool and app client", () => {
    const { userPool, userPoolClient } = stack.broker.auth;
    template.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 1);
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: {
        Issuer: { "Fn::GetAtt": [id(userPool!), "ProviderURL"] },
        Audience: [{ Ref: id(userPoolClient!) }],
      },
    });
  });

  it("serves exactly the route table, each route on its entry's function, behind the authorizer unless public", () => {
    const apiRoutes = Object.values(template.findResources("AWS::ApiGatewayV2::Route")).map((r) => r.Properties);
    const byKey = Object.fromEntries(apiRoutes.map((r) => [r.RouteKey, r]));
    expect(Object.keys(byKey).sort()).toEqual(["$default", ...routes.map(routeKey)].sort());
    const integrations = template.findResources("AWS::ApiGatewayV2::Integration");
    const target = (key: string) => {
      const integrationId = (byKey[key]!.Target["Fn::Join"][1] as unknown[])[1] as { Ref: string };
      return integrations[integrationId.Ref]!.Properties.IntegrationUri;
    };
    for (const route of routes) {
      const key = routeKey(route);
      if (route.auth === "jwt") expect(byKey[key], key).toMatchObject({ AuthorizationType: "JWT", AuthorizerId: { Ref: authorizerId() } });
      else {
        expect(byKey[key], key).toMatchObject({ AuthorizationType: "NONE" });
        expect(byKey[key]?.AuthorizerId, key).toBeUndefined();
      }
      expect(target(key), key).toEqual({ "Fn::GetAtt": [id(stack.broker.functions[route.entry].function), "Arn"] });
    }
    expect(byKey.$default).toMatchObject({ AuthorizationType: "NONE" });
    expect(target("$default")).toEqual({ "Fn::GetAtt": [id(stack.broker.functions.public.function), "Arn"] });
  });

  it("answers CORS preflights for exactly the configured origins and the table's methods", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      ProtocolType: "HTTP",
      CorsConfiguration: {
        AllowOrigins: ORIGINS,
        AllowMethods: [...new Set(routes.map((r) => r.method)), "OPTIONS"],
        AllowHeaders: ["authorization", "content-type"],
        AllowCredentials: Match.absent(),
        MaxAge: 3600,
      },
    });
  });

  it("throttles the default stage (50 rps, burst 100) and writes JSON access logs", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { "Fn::GetAtt": [id(stack.broker.api.accessLogs), "Arn"] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
  });
});

describe("Cognito", () => {
  it("creates an admin-only user pool with a strong password policy, optional TOTP MFA, retained", () => {
    template.hasResource("AWS::Cognito::UserPool", {
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: "OPTIONAL",
        EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        DeletionProtection: "ACTIVE",
      }),
      DeletionPolicy: "Retain",
    });
  });

  it("creates a public app client without OAuth flows", () => {
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: false,
      AllowedOAuthFlows: Match.absent(),
      PreventUserExistenceErrors: "ENABLED",
      ExplicitAuthFlows: Match.arrayWith(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
    });
  });
});
