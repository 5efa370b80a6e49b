import { RemovalPolicy } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { routeKey, routes } from "../../functions/routes.js";
import type { UploadBrokerStack } from "../../lib/upload-broker-stack.js";
import { functionEntries } from "../../lib/upload-function.js";
import { logicalId, synthBroker } from "./synth.js";

const ISSUER = "https://example.eu.auth0.com/";
const AUDIENCE = ["https://uploads.example.com"];
const PROFILES = [{ name: "scan", contentTypes: ["application/pdf"], maxBytes: 10_000_000 }];

describe("external OIDC issuer, operator settings", () => {
  let template: Template;
  let stack: UploadBrokerStack;
  let cleanup: () => void;

  beforeAll(() => {
    ({ template, stack, cleanup } = synthBroker({
      jwtIssuer: ISSUER,
      jwtAudience: AUDIENCE,
      profiles: PROFILES,
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: RetentionDays.ONE_WEEK,
      throttle: { rateLimit: 10, burstLimit: 20 },
    }));
  });
  afterAll(() => cleanup());

  it("creates no user pool and trusts the given issuer and audience", () => {
    template.resourceCountIs("AWS::Cognito::UserPool", 0);
    template.resourceCountIs("AWS::Cognito::UserPoolClient", 0);
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      JwtConfiguration: { Issuer: ISSUER, Audience: AUDIENCE },
    });
    const apiRoutes = Object.values(template.findResources("AWS::ApiGatewayV2::Route")).map((r) => r.Properties);
    const jwtRoutes = routes.filter((r) => r.auth === "jwt").map(routeKey);
    expect(jwtRoutes.length).toBeGreaterThan(0);
    expect(apiRoutes.filter((r) => r.AuthorizationType === "JWT").map((r) => r.RouteKey).sort()).toEqual([...jwtRoutes].sort());
  });

  it("outputs no user pool ids", () => {
    expect(Object.keys(template.findOutputs("*")).sort()).toEqual(["ApiUrl", "BucketName", "DeadLetterQueueUrl", "EventBusName", "TableName"]);
  });

  it("passes the validated profiles, defaults filled in, to the functions", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ PROFILES: JSON.stringify(parseProfiles(PROFILES)) }) },
    });
    expect(JSON.parse(JSON.stringify(stack.broker.profiles))).toEqual([
      { name: "scan", contentTypes: ["application/pdf"], minBytes: 1, maxBytes: 10_000_000, methods: ["put", "post"], expiresInSeconds: 300, metadataKeys: [], allowedGroups: [], public: false },
    ]);
  });

  it("deletes bucket and table with the stack when asked to", () => {
    template.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Delete" });
    template.hasResource("AWS::DynamoDB::Table", {
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
      DeletionPolicy: "Delete",
    });
    expect(template.findResources("AWS::S3::Bucket", { DeletionPolicy: "Retain" })).toEqual({});
  });

  it("configures no CORS at all without origins", () => {
    const bucket = template.findResources("AWS::S3::Bucket")[logicalId(stack.broker.bucket)];
    expect(bucket?.Properties.CorsConfiguration).toBeUndefined();
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", { CorsConfiguration: Match.absent() });
  });

  it("applies the throttling and log retention given", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    const groups = Object.values(template.findResources("AWS::Logs::LogGroup"));
    expect(groups).toHaveLength(functionEntries().length + 1); // one per function, and the API's access logs
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(7);
  });
});
