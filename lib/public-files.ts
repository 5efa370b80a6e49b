import { Annotations, Duration, Stack, Validations, type RemovalPolicy } from "aws-cdk-lib";
import {
  AllowedMethods, CachedMethods, CachePolicy, Distribution, HttpVersion, PriceClass, ResponseHeadersPolicy, SecurityPolicyProtocol, ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { CloudFrontTarget } from "aws-cdk-lib/aws-route53-targets";
import { Bucket, BucketEncryption, ObjectOwnership, type IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { PUBLIC_PREFIX } from "../functions/domain/public-files.js";
import { UPLOADS_PREFIX } from "../functions/domain/limits.js";
import { ConfigError } from "../functions/errors.js";
import { grantObjectKey } from "./bucket-key.js";
import { resourceFinding } from "./nag-findings.js";
import { aliasRecords, checkCustomDomain, type CustomDomain } from "./custom-domain.js";
import { DEFAULT_LOG_RETENTION, DEFAULT_REMOVAL_POLICY, ENFORCED_BUCKET_PROPS } from "./secure-defaults.js";

export interface PublicFilesProps {
  /** The upload bucket; the CDN reads only `public/<profile>/` of it. */
  readonly bucket: IBucket;
  /** The names of the public profiles (at least one). */
  readonly publicProfiles: readonly string[];
  /** The function that makes and removes the served copies (the ticket table's stream consumer). */
  readonly serverFunction: LambdaFunction;
  /** Serve under a domain of yours. @default - the distribution's `*.cloudfront.net` name */
  readonly domain?: CustomDomain;
  /** Edge locations served from. @default PriceClass.PRICE_CLASS_100 (North America, Europe, Israel: the cheapest) */
  readonly priceClass?: PriceClass;
  /** What happens to the CDN's log bucket when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** How long CDN access logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/** The served copies' keys of these profiles: `public/<profile>/*`. */
const servedObjects = (bucket: IBucket, profiles: readonly string[]) => profiles.map((p) => bucket.arnForObjects(`${PUBLIC_PREFIX}${p}/*`));

/**
 * The file CDN of the public profiles: a CloudFront distribution whose only origin is the
 * bucket's `public/` prefix, reached with origin access control (the bucket stays private,
 * every public access blocked). The bucket policy lets this distribution, and nothing else, read
 * `public/<profile>/*` of exactly the public profiles; only the server function writes there,
 * copying an upload after its ticket completed (see functions/domain/public-files.ts).
 * AWS-managed policies: CachingOptimized (the object's ETag and Cache-Control, compressed
 * variants) and CORS-with-security-headers (any origin may GET, nosniff, HSTS). Errors are not
 * cached, so a file is served the moment it is copied.
 */
export class PublicFiles extends Construct {
  readonly distribution: Distribution;
  /** The CDN's access logs (CloudFront standard logging needs a bucket with ACLs). */
  readonly logBucket: Bucket;
  /** `https://<domain>/`: every `fileUrl` starts with it. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: PublicFilesProps) {
    super(scope, id);
    const { bucket, publicProfiles, serverFunction, domain } = props;
    if (publicProfiles.length === 0) throw new ConfigError("PublicFiles: no profile is public.");
    if (domain) checkCustomDomain(domain, "PublicFiles domain");
    const { partition, account } = Stack.of(this);

    const retention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    this.logBucket = new Bucket(this, "Logs", {
      blockPublicAccess: ENFORCED_BUCKET_PROPS.blockPublicAccess,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // CloudFront delivers standard logs with an ACL grant to its log delivery account.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      removalPolicy: props.removalPolicy ?? DEFAULT_REMOVAL_POLICY,
      lifecycleRules: retention === RetentionDays.INFINITE ? [] : [{ id: "expire-cdn-logs", expiration: Duration.days(retention) }],
    });
    Validations.of(this.logBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This bucket holds the file CDN's own access logs; logging it into itself would loop and another log bucket would only move the problem.",
    });

    // The origin is handed a view of the bucket without a policy of its own, so that CDK's OAC
    // statement (GetObject on every key) is not added: the statement below names the served prefixes only.
    const origin = S3BucketOrigin.withOriginAccessControl(
      Bucket.fromBucketAttributes(this, "Origin", { bucketArn: bucket.bucketArn, bucketRegionalDomainName: bucket.bucketRegionalDomainName }),
      { originPath: `/${PUBLIC_PREFIX.replace(/\/$/, "")}` },
    );
    this.distribution = new Distribution(this, "Distribution", {
      comment: "upload-broker: completed uploads of the public profiles",
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: CachedMethods.CACHE_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS_AND_SECURITY_HEADERS,
        compress: true,
      },
      // A file asked for before its copy exists, or after it is gone, is not remembered as missing.
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      enableIpv6: true,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: "cdn/",
      ...(domain ? { domainNames: [domain.domainName], certificate: domain.certificate, minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021 } : {}),
    });
    Annotations.of(this.distribution).acknowledgeWarning(
      "@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac",
      "The origin is given a policy-less view of the bucket on purpose; PublicFiles writes the bucket policy statement itself, scoped to the public profiles' prefixes.",
    );
    const distributionArn = `arn:${partition}:cloudfront::${account}:distribution/${this.distribution.distributionId}`;

    const added = bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: "CdnReadsPublicProfilesFilesOnly",
        principals: [new ServicePrincipal("cloudfront.amazonaws.com")],
        actions: ["s3:GetObject"],
        resources: servedObjects(bucket, publicProfiles),
        conditions: { StringEquals: { "AWS:SourceArn": distributionArn } },
      }),
    );
    if (!added.statementAdded) {
      Annotations.of(this).addWarningV2(
        "upload-broker:publicFilesBucketPolicy",
        `The bucket is imported: add to its policy an Allow of s3:GetObject on ${publicProfiles.map((p) => `${PUBLIC_PREFIX}${p}/*`).join(", ")} for the service principal cloudfront.amazonaws.com with AWS:SourceArn = this distribution's ARN.`,
      );
    }
    if (bucket.encryptionKey) {
      // The key encrypts the bucket, the bucket is the distribution's origin: naming this
      // distribution in the key policy would be a circular dependency, so the statement names the
      // account's distributions. Reading still takes the bucket policy above, which names this one.
      const keyAdded = bucket.encryptionKey.addToResourcePolicy(
        new PolicyStatement({
          sid: "CdnDecryptsPublicFiles",
          principals: [new ServicePrincipal("cloudfront.amazonaws.com")],
          actions: ["kms:Decrypt"],
          resources: ["*"],
          conditions: { ArnLike: { "AWS:SourceArn": `arn:${partition}:cloudfront::${account}:distribution/*` } },
        }),
      );
      if (!keyAdded.statementAdded) {
        Annotations.of(this).addWarningV2(
          "upload-broker:publicFilesKeyPolicy",
          "The bucket's KMS key is imported: add to its key policy an Allow of kms:Decrypt for cloudfront.amazonaws.com with AWS:SourceArn = this distribution's ARN, or the CDN cannot read the files.",
        );
      }
    }

    // The server function: reads an upload (HeadObject and the copy's source), writes the
    // public profiles' copies, deletes any copy (a profile made private leaves none behind), and
    // invalidates this distribution's paths.
    const allow = (actions: string[], resources: string[]) => serverFunction.addToRolePolicy(new PolicyStatement({ actions, resources }));
    allow(["s3:GetObject"], [bucket.arnForObjects(`${UPLOADS_PREFIX}*`)]);
    allow(["s3:PutObject"], servedObjects(bucket, publicProfiles));
    allow(["s3:DeleteObject"], [bucket.arnForObjects(`${PUBLIC_PREFIX}*`)]);
    allow(["cloudfront:CreateInvalidation"], [distributionArn]);
    grantObjectKey(bucket, serverFunction, ["read", "write"]);
    if (serverFunction.role) {
      for (const resource of [bucket.arnForObjects(`${UPLOADS_PREFIX}*`), bucket.arnForObjects(`${PUBLIC_PREFIX}*`), ...servedObjects(bucket, publicProfiles)]) {
        Validations.of(serverFunction.role).acknowledge({
          id: resourceFinding(this, resource),
          reason: "Copies are made from uploads/<owner>/<id>/ to public/<profile>/<id>/: the wildcard after each prefix is the per-ticket key space the broker hands out, not a broader grant.",
        });
      }
    }
    this.url = `https://${domain?.domainName ?? this.distribution.distributionDomainName}/`;
    serverFunction.addEnvironment("PUBLIC_FILES_DISTRIBUTION_ID", this.distribution.distributionId);

    if (domain) aliasRecords(this, "DnsRecords", domain, new CloudFrontTarget(this.distribution));
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR1",
      reason: "Public files are meant for every visitor of the operator's apps, wherever they are; a geo restriction is a business decision the operator can add to the distribution.",
    });
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR2",
      reason: "The distribution serves static copies with GET/HEAD only and caches them; a WAF web ACL (billed monthly) is the operator's choice, attachable to `distribution`.",
    });
    if (!domain) {
      Validations.of(this.distribution).acknowledge({
        id: "AwsSolutions-CFR4",
        reason: "Without a custom domain CloudFront serves its own *.cloudfront.net certificate, whose TLS policy cannot be set; pass a files domain and certificate to require TLS 1.2.",
      });
    }
  }
}
