import type { ICertificate } from "aws-cdk-lib/aws-certificatemanager";
import { AaaaRecord, ARecord, RecordTarget, type IAliasRecordTarget, type IHostedZone } from "aws-cdk-lib/aws-route53";
import { Construct } from "constructs";
import { ConfigError } from "../functions/errors.js";

/** A domain of the operator's for the API or the file CDN. */
export interface CustomDomain {
  /** The host name, e.g. `api.example.com` or `files.example.com`. */
  readonly domainName: string;
  /**
   * An ACM certificate covering `domainName`. For the file CDN it must be in us-east-1 (CloudFront's
   * rule); for the API, in the stack's region.
   */
  readonly certificate: ICertificate;
  /** Where the alias records go, with `createDnsRecords`. @default - none */
  readonly hostedZone?: IHostedZone;
  /**
   * Create A and AAAA alias records for `domainName` in `hostedZone`. Off unless asked: many
   * operators keep DNS elsewhere or in another account, and point a CNAME at the target themselves.
   * @default false
   */
  readonly createDnsRecords?: boolean;
}

const HOST_NAME = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;

/** Checks a custom domain at synth; `what` names it in errors. */
export function checkCustomDomain(domain: CustomDomain, what: string): void {
  if (!HOST_NAME.test(domain.domainName)) throw new ConfigError(`${what}: domainName ${JSON.stringify(domain.domainName)} is not a lowercase host name.`);
  if (domain.createDnsRecords && !domain.hostedZone) throw new ConfigError(`${what}: createDnsRecords needs a hostedZone.`);
}

/** The A and AAAA alias records of a custom domain, when it asks for them. */
export function aliasRecords(scope: Construct, id: string, domain: CustomDomain, target: IAliasRecordTarget): void {
  if (!domain.createDnsRecords || !domain.hostedZone) return;
  const records = new Construct(scope, id);
  const props = { zone: domain.hostedZone, recordName: `${domain.domainName}.`, target: RecordTarget.fromAlias(target) };
  new ARecord(records, "A", props);
  new AaaaRecord(records, "AAAA", props);
}
