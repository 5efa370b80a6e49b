import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, it } from "vitest";
import { routeKey, routes } from "../../functions/routes.js";
import type { UploadBrokerStack } from "../../lib/upload-broker-stack.js";
import { logicalId, statementsOfRole, synthBroker, ORIGINS } from "./synth.js";

/** The default stack with two browser origins: who may do what (IAM, HTTP API, Cognito). */
const { template, stack, cleanup } = synthBroker({ corsOrigins: ORIGINS });
afterAll(cleanup);
const id = logicalId;

describe("least privilege", () => {
  const bucketArn = () => ({ "Fn::GetAtt": [id(stack.broker.bucket), "Arn"] });
  const uploads = () => ({ "Fn::Join": ["", [bucketArn(), "/uploads/*"]] });
  const table = () => ({ "Fn::GetAtt": [id(stack.broker.table), "Arn"] });
  const logs = (entry: keyof UploadBrokerStack["broker"]["functions"]) => ({
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: { "Fn::GetAtt": [id(stack.broker.functions[entry].logGroup), "Arn"] },
  });
  const allow = (actions: string[], Resource: unknown) => ({ Effect: "Allow", Action: [...actions].sort(), Resource });
  const statements = (entry: keyof UploadBrokerStack["broker"]["functions"]) =>
    statementsOfRole(template, id(stack.broker.functions[entry].role));

  it("sign functions may PutObject under uploads/ and PutItem on the table, nothing else", () => {
    for (const entry of ["sign-put", "sign-post"] as const) {
      expect(statements(entry)).toEqual([logs(entry), allow(["s3:PutObject"], uploads()), allow(["dynamodb:PutItem"], table())]);
    }
  });

  it("record-upload may Get/Head and Delete objects under uploads/, GetItem/UpdateItem, and send to its DLQ", () => {
    const dlq = { "Fn::GetAtt": [id(stack.broker.deadLetterQueue), "Arn"] };
    expect(statements("record-upload")).toEqual([
      logs("record-upload"),
      allow(["s3:GetObject", "s3:DeleteObject"], uploads()),
      allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], table()),
      allow(["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"], dlq),
    ]);
  });

  it("status functions may only GetItem, or Query the byOwner index", () => {
    expect(statements("get-upload")).toEqual([logs("get-upload"), allow(["dynamodb:GetItem"], table())]);
    expect(statements("list-uploads")).toEqual([
      logs("list-uploads"),
      allow(["dynamodb:Query"], { "Fn::Join": ["", [table(), "/index/byOwner"]] }),
    ]);
  });

  it("the public function may only write its logs, and no role has a managed policy", () => {
    expect(statements("public")).toEqual([logs("public")]);
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
