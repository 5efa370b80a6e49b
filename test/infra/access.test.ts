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
  type Statement = { Effect: string; Action: string[]; Resource: unknown; Condition?: unknown };
  const bucketArn = () => ({ "Fn::GetAtt": [id(stack.broker.bucket), "Arn"] });
  const objects = (prefix: string) => ({ "Fn::Join": ["", [bucketArn(), `/${prefix}`]] });
  const table = () => ({ "Fn::GetAtt": [id(stack.broker.table), "Arn"] });
  const queues = () => [stack.broker.deadLetterQueue, stack.broker.completionEvents.failureQueue].map((q: Queue) => ({ "Fn::GetAtt": [id(q), "Arn"] }));

  /**
   * Which resources each service's statements may name at all. Whether each function has every
   * grant its calls need, and uses every grant it has, is proven by the deployed-stack rehearsal
   * (test/deployed: each call checked against the role, and granted-but-unused actions listed);
   * this only bounds how wide a grant can be.
   */
  const ALLOWED_RESOURCES: Record<string, (entry: keyof UploadBrokerStack["broker"]["functions"]) => unknown[]> = {
    logs: (entry) => [{ "Fn::GetAtt": [id(stack.broker.functions[entry].logGroup), "Arn"] }],
    s3: () => [objects("uploads/*")],
    dynamodb: () => [
      table(),
      { "Fn::Join": ["", [table(), "/index/byOwner"]] },
      { "Fn::Join": ["", [table(), "/index/pendingByExpiry"]] },
      { "Fn::GetAtt": [id(stack.broker.table), "StreamArn"] },
      "*", // dynamodb:ListStreams only; see below
    ],
    events: () => [{ "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":events:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":event-bus/default"]] }],
    sqs: () => queues(),
  };

  it.each(functionEntries())("%s: every statement names only its own log group, uploads/*, the ticket table (its indexes, its stream), the bus or the stack's queues", (entry) => {
    const statements = statementsOfRole(template, id(stack.broker.functions[entry].role)) as Statement[];
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Effect).toBe("Allow");
      const services = new Set(s.Action.map((a) => a.split(":")[0]!));
      expect(services.size, JSON.stringify(s)).toBe(1);
      const [service] = services;
      const allowed = ALLOWED_RESOURCES[service!]?.(entry);
      expect(allowed, `${entry}: no ${service} grant expected`).toBeDefined();
      // The sweeper's ListBucket is on the bucket, limited to the uploads/ prefix by its condition.
      if (s.Action.includes("s3:ListBucket")) {
        expect(s).toEqual({ Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn(), Condition: { StringLike: { "s3:prefix": ["uploads/*"] } } });
        continue;
      }
      for (const resource of [s.Resource].flat()) expect(allowed, `${entry}: ${JSON.stringify(s)}`).toContainEqual(resource);
    }
  });

  it("no function role has a managed policy", () => {
    for (const fn of Object.values(stack.broker.functions)) {
      expect(template.findResources("AWS::IAM::Role")[id(fn.role)]?.Properties.ManagedPolicyArns).toBeUndefined();
    }
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

  it("serves exactly the route table, each route on its entry's function, behind the JWT authorizer, the IAM one (admin) or none (public)", () => {
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
      else if (route.auth === "iam") {
        // The admin routes: SigV4 only; API Gateway refuses a token, and no JWT authorizer is attached.
        expect(byKey[key], key).toMatchObject({ AuthorizationType: "AWS_IAM" });
        expect(byKey[key]?.AuthorizerId, key).toBeUndefined();
      } else {
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
