import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, describe, expect, it } from "vitest";
import { App } from "aws-cdk-lib";
import { stackPropsFromContext } from "../../lib/app-context.js";
import { streamFilters } from "../../lib/completion-events.js";
import { objectKeyUses } from "../../lib/bucket-key.js";
import { UploadBrokerStack, type UploadBrokerStackProps } from "../../lib/upload-broker-stack.js";
import { functionEntries, type FunctionEntry } from "../../lib/upload-function.js";
import { logicalId, statementsOfRole, synthBroker, testApp } from "./synth.js";

const PROFILES = [
  { name: "avatar", contentTypes: ["image/png", "image/jpeg"], maxBytes: 5_000_000, public: true },
  { name: "photo", contentTypes: ["image/*"], maxBytes: 20_000_000, public: true },
  { name: "doc", contentTypes: ["application/pdf"], maxBytes: 50_000_000 },
];
const DOMAINS = {
  apiDomainName: "api.example.com",
  apiCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
  filesDomainName: "files.example.com",
  filesCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000",
  hostedZoneId: "Z0123456789ABCDEFGHIJ",
  hostedZoneName: "example.com",
} satisfies UploadBrokerStackProps;

const served = synthBroker({ profiles: PROFILES, kmsEncryption: true, ...DOMAINS, createDnsRecords: true });
const plain = synthBroker({ profiles: PROFILES });
const none = synthBroker();
afterAll(() => [served, plain, none].forEach((s) => s.cleanup()));

const bucketArn = (stack: UploadBrokerStack) => ({ "Fn::GetAtt": [logicalId(stack.broker.bucket), "Arn"] });
const objectsArn = (stack: UploadBrokerStack, prefix: string) => ({ "Fn::Join": ["", [bucketArn(stack), `/${prefix}`]] });
const distributionArn = (stack: UploadBrokerStack) => ({
  "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":cloudfront::", { Ref: "AWS::AccountId" }, ":distribution/", { Ref: logicalId(stack.broker.publicFiles!.distribution) }]],
});
const roleOf = (stack: UploadBrokerStack, entry: FunctionEntry) => logicalId(stack.broker.functions[entry].role);
const bucketStatements = (template: Template, stack: UploadBrokerStack) =>
  Object.values(template.findResources("AWS::S3::BucketPolicy", { Properties: { Bucket: { Ref: logicalId(stack.broker.bucket) } } })).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
  );

describe("the file CDN", () => {
  const { template, stack } = served;

  it("reads the bucket through origin access control, under public/ only", () => {
    template.resourceCountIs("AWS::CloudFront::Distribution", 1);
    template.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: { OriginAccessControlOriginType: "s3", SigningBehavior: "always", SigningProtocol: "sigv4" },
    });
    const [distribution] = Object.values(template.findResources("AWS::CloudFront::Distribution"));
    const config = distribution!.Properties.DistributionConfig;
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: { "Fn::GetAtt": [logicalId(stack.broker.bucket), "RegionalDomainName"] },
        OriginPath: "/public",
        OriginAccessControlId: { "Fn::GetAtt": [expect.stringContaining("S3OriginAccessControl"), "Id"] },
        S3OriginConfig: { OriginAccessIdentity: "" },
      }),
    ]);
    expect(config.DefaultCacheBehavior).toMatchObject({
      AllowedMethods: ["GET", "HEAD"],
      ViewerProtocolPolicy: "redirect-to-https",
      // AWS-managed: CachingOptimized (ETag and Cache-Control of the object) and CORS-with-security-headers.
      CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
      ResponseHeadersPolicyId: "e61eb60c-9c35-4d20-a928-2b84e02af89c",
      Compress: true,
    });
    expect(config.CustomErrorResponses).toEqual([403, 404].map((ErrorCode) => ({ ErrorCode, ErrorCachingMinTTL: 0 })));
    expect(config.Logging).toMatchObject({ Prefix: "cdn/" });
  });

  it("lets only this distribution read, and only the public profiles' prefixes; the bucket stays private", () => {
    const statements = bucketStatements(template, stack);
    const allows = statements.filter((s) => s.Effect === "Allow");
    expect(allows).toEqual([
      {
        Sid: "CdnReadsPublicProfilesFilesOnly",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: [objectsArn(stack, "public/avatar/*"), objectsArn(stack, "public/photo/*")],
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn(stack) } },
      },
    ]);
    template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      AccessControl: Match.absent(),
    });
    // No Allow to everyone anywhere, on any bucket.
    const everyone = Object.values(template.findResources("AWS::S3::BucketPolicy"))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Effect: string; Principal: unknown }>)
      .filter((s) => s.Effect === "Allow" && (s.Principal === "*" || JSON.stringify(s.Principal) === '{"AWS":"*"}'));
    expect(everyone).toEqual([]);
  });

  it("grants the copies to publish-events alone: read uploads, write the public profiles' prefixes, delete served copies, invalidate this distribution", () => {
    const statements = statementsOfRole(template, roleOf(stack, "publish-events"));
    expect(statements).toEqual(
      expect.arrayContaining([
        { Effect: "Allow", Action: ["s3:GetObject"], Resource: objectsArn(stack, "uploads/*") },
        { Effect: "Allow", Action: ["s3:PutObject"], Resource: [objectsArn(stack, "public/avatar/*"), objectsArn(stack, "public/photo/*")] },
        { Effect: "Allow", Action: ["s3:DeleteObject"], Resource: objectsArn(stack, "public/*") },
        { Effect: "Allow", Action: ["cloudfront:CreateInvalidation"], Resource: distributionArn(stack) },
      ]),
    );
    for (const entry of functionEntries().filter((e) => e !== "publish-events")) {
      const text = JSON.stringify(statementsOfRole(template, roleOf(stack, entry)));
      expect(text, entry).not.toContain("/public/");
      expect(text, entry).not.toContain("cloudfront:");
    }
  });

  it("names the served URL in the functions that show tickets and the distribution in publish-events; hears every change of a completed ticket", () => {
    const functions = template.findResources("AWS::Lambda::Function");
    for (const entry of functionEntries()) {
      const variables = functions[logicalId(stack.broker.functions[entry].function)]!.Properties.Environment.Variables;
      const showsViews = ["get-upload", "list-uploads", "upload-object", "multipart", "publish-events", "admin"].includes(entry);
      expect(variables.PUBLIC_FILES_URL, entry).toBe(showsViews ? "https://files.example.com/" : undefined);
      expect(variables.PUBLIC_FILES_DISTRIBUTION_ID !== undefined, entry).toBe(entry === "publish-events");
    }
    const [mapping] = Object.values(template.findResources("AWS::Lambda::EventSourceMapping"));
    const patterns = (mapping!.Properties.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => JSON.parse(f.Pattern));
    expect(patterns).toEqual(streamFilters(true).map((f) => JSON.parse(f.pattern as string)));
    expect(patterns).toContainEqual({ dynamodb: { OldImage: { status: { S: ["completed"] } } } });
    expect(patterns.length).toBeLessThanOrEqual(5);
  });

  it("serves under the custom domain with TLS 1.2, and creates alias records only when asked", () => {
    const [distribution] = Object.values(template.findResources("AWS::CloudFront::Distribution"));
    expect(distribution!.Properties.DistributionConfig).toMatchObject({
      Aliases: ["files.example.com"],
      ViewerCertificate: { AcmCertificateArn: DOMAINS.filesCertificateArn, MinimumProtocolVersion: "TLSv1.2_2021", SslSupportMethod: "sni-only" },
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::DomainName", {
      DomainName: "api.example.com",
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: DOMAINS.apiCertificateArn, EndpointType: "REGIONAL", SecurityPolicy: "TLS_1_2" })],
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::ApiMapping", { DomainName: { Ref: logicalId(stack.broker.api.domainName!) }, Stage: "$default" });
    const records = Object.values(template.findResources("AWS::Route53::RecordSet")).map((r) => `${r.Properties.Type} ${r.Properties.Name}`);
    expect(records.sort()).toEqual(["A api.example.com.", "A files.example.com.", "AAAA api.example.com.", "AAAA files.example.com."]);
    template.hasOutput("ApiUrl", { Value: "https://api.example.com/" });
    template.hasOutput("FilesUrl", { Value: "https://files.example.com/" });

    const quiet = synthBroker({ profiles: PROFILES, ...DOMAINS });
    quiet.template.resourceCountIs("AWS::Route53::RecordSet", 0);
    quiet.template.resourceCountIs("AWS::ApiGatewayV2::DomainName", 1);
    quiet.cleanup();
  });

  it("refuses a half-given domain, records without a zone, and a files domain without public profiles", () => {
    expect(() => synthBroker({ profiles: PROFILES, filesDomainName: "files.example.com" })).toThrow(/filesDomainName and filesCertificateArn go together/);
    expect(() => synthBroker({ profiles: PROFILES, filesDomainName: "files.example.com", filesCertificateArn: DOMAINS.apiCertificateArn })).toThrow(/us-east-1/);
    expect(() => synthBroker({ profiles: PROFILES, apiDomainName: DOMAINS.apiDomainName, apiCertificateArn: DOMAINS.apiCertificateArn, createDnsRecords: true })).toThrow(
      /createDnsRecords needs a hostedZone/,
    );
    expect(() => synthBroker({ filesDomainName: DOMAINS.filesDomainName, filesCertificateArn: DOMAINS.filesCertificateArn })).toThrow(/no profile is public/);
  });
});

describe("SSE-KMS with a customer-managed key", () => {
  const { template, stack } = served;

  it("encrypts the bucket by default with the key and S3 Bucket Keys; the key rotates and is retained", () => {
    const [keyId] = Object.keys(template.findResources("AWS::KMS::Key"));
    template.hasResource("AWS::KMS::Key", { Properties: Match.objectLike({ EnableKeyRotation: true }), DeletionPolicy: "Retain" });
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: { "Fn::GetAtt": [keyId, "Arn"] } }, BucketKeyEnabled: true }],
      },
    });
  });

  it("lets CloudFront decrypt through the key policy (the bucket policy names the one distribution)", () => {
    const [key] = Object.values(template.findResources("AWS::KMS::Key"));
    expect(key!.Properties.KeyPolicy.Statement).toContainEqual({
      Sid: "CdnDecryptsPublicFiles",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { ArnLike: { "AWS:SourceArn": { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":cloudfront::", { Ref: "AWS::AccountId" }, ":distribution/*"]] } } },
    });
  });

  it("grants exactly the functions that read or write objects exactly the key use they need, via S3 and for this bucket only", () => {
    const [keyId] = Object.keys(template.findResources("AWS::KMS::Key"));
    const expected: Partial<Record<FunctionEntry, string[]>> = {
      ...Object.fromEntries(Object.entries(objectKeyUses()).map(([e, uses]) => [e, uses.map((u) => (u === "read" ? "kms:Decrypt" : "kms:GenerateDataKey")).sort()])),
      "publish-events": ["kms:Decrypt", "kms:GenerateDataKey"],
    };
    // Presigned PUTs and POSTs act with the signer's permissions: S3 asks for a data key on upload.
    expect(expected["sign-put"]).toEqual(["kms:GenerateDataKey"]);
    expect(expected["sign-post"]).toEqual(["kms:GenerateDataKey"]);
    // Multipart uploads are created and completed by the function, then read by the content check; download links read.
    for (const entry of ["multipart", "uppy"] as const) expect(expected[entry]).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    for (const entry of ["upload-object", "admin", "record-upload", "sweep"] as const) expect(expected[entry]).toEqual(["kms:Decrypt"]);
    for (const entry of ["get-upload", "list-uploads", "usage", "public", "scan-result"] as const) expect(expected[entry]).toBeUndefined();
    for (const entry of functionEntries()) {
      const kms = statementsOfRole(template, roleOf(stack, entry)).filter((s) => s.Action.some((a) => a.startsWith("kms:")));
      if (!expected[entry]) {
        expect(kms, entry).toEqual([]);
        continue;
      }
      expect(kms, entry).toEqual([
        {
          Effect: "Allow",
          Action: expected[entry],
          Resource: { "Fn::GetAtt": [keyId, "Arn"] },
          Condition: {
            StringEquals: { "kms:ViaService": { "Fn::Join": ["", ["s3.", { Ref: "AWS::Region" }, ".amazonaws.com"]] } },
            StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn(stack), objectsArn(stack, "*")] },
          },
        },
      ]);
    }
    expect(Object.keys(expected).sort()).toEqual(["admin", "multipart", "publish-events", "record-upload", "sign-post", "sign-put", "sweep", "upload-object", "uppy"]);
  });

  it("imports a key by ARN (-c kmsKeyArn) and keeps SSE-S3 by default", () => {
    const arn = "arn:aws:kms:eu-west-1:123456789012:key/abcd1234-ab12-cd34-ef56-abcdef123456";
    const imported = synthBroker({ kmsKeyArn: arn });
    imported.template.resourceCountIs("AWS::KMS::Key", 0);
    imported.template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: arn }, BucketKeyEnabled: true }] },
    });
    imported.cleanup();
    none.template.resourceCountIs("AWS::KMS::Key", 0);
    const text = JSON.stringify(none.template.toJSON());
    expect(text).not.toContain("kms:");
  });
});

describe("without public profiles", () => {
  it("builds no CDN, names no file URL, and keeps the stream filters of events alone", () => {
    const { template, stack } = none;
    template.resourceCountIs("AWS::CloudFront::Distribution", 0);
    expect(stack.broker.publicFiles).toBeUndefined();
    const functions = template.findResources("AWS::Lambda::Function");
    for (const f of Object.values(functions)) expect(f.Properties.Environment?.Variables?.PUBLIC_FILES_URL).toBeUndefined();
    const [mapping] = Object.values(template.findResources("AWS::Lambda::EventSourceMapping"));
    expect((mapping!.Properties.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => f.Pattern)).toEqual(streamFilters().map((f) => f.pattern));
    expect(JSON.stringify(template.toJSON())).not.toContain("/public/");
  });

  it("serves the cloudfront.net name when no files domain is given", () => {
    const { template, stack } = plain;
    template.hasOutput("FilesUrl", {
      Value: { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [logicalId(stack.broker.publicFiles!.distribution), "DomainName"] }, "/"]] },
    });
  });
});

describe("cdk-nag AwsSolutions with public files, SSE-KMS and custom domains", () => {
  it("reports no unacknowledged error or warning", () => {
    const { app, outdir, cleanup } = testApp();
    new UploadBrokerStack(app, "Served", { profiles: PROFILES, kmsEncryption: true, ...DOMAINS, createDnsRecords: true });
    new UploadBrokerStack(app, "Plain", { profiles: PROFILES });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let thrown: unknown;
    try {
      app.synth();
    } catch (error) {
      thrown = error;
    }
    const file = join(outdir, "validation-report.json");
    const report = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { pluginReports: Array<{ violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }> }) : { pluginReports: [] };
    cleanup();
    expect(thrown).toBeUndefined();
    expect(report.pluginReports.flatMap((r) => r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)))).toEqual([]);
  });
});

describe("context keys", () => {
  const fromContext = (context: Record<string, unknown>) => stackPropsFromContext(new App({ context }).node).props;

  it("reads KMS and custom-domain keys from the command line", () => {
    expect(fromContext({ kmsEncryption: "true", ...DOMAINS, createDnsRecords: "true" })).toMatchObject({ kmsEncryption: true, ...DOMAINS, createDnsRecords: true });
    expect(fromContext({ kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/abcd1234-ab12-cd34-ef56-abcdef123456" })).toHaveProperty("kmsKeyArn");
  });

  it("names each malformed key", () => {
    let message = "";
    try {
      fromContext({ apiDomainName: "API.example.com", filesCertificateArn: "cert", hostedZoneId: "nope", kmsKeyArn: "key" });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const line of [
      "apiDomainName: must be a lowercase host name", "filesCertificateArn: must be an ACM certificate ARN",
      "hostedZoneId: must be a Route 53 hosted zone id", "kmsKeyArn: must be a KMS key ARN",
    ]) expect(message).toContain(line);
  });
});
