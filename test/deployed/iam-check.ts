/**
 * Evaluates each authorization a call needs against the calling function's role policies from
 * the template, and the resource's own policy (the bucket policy, the key policy), with
 * @cloud-copilot/iam-simulate. Same account throughout: an S3 request is allowed by either
 * policy unless one denies it; a KMS request needs the key policy to allow or delegate to IAM.
 * Every call is treated as made over TLS (aws:SecureTransport true, s3:TlsVersion 1.3), as the
 * SDK always does on AWS; the local endpoints are plain HTTP only because they are local.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { IamRequest } from "./iam-actions.js";
import { ACCOUNT, type PolicyDocument } from "./template.js";

/**
 * iam-simulate 0.1 reads a condition key with a variable part only after a `/`
 * (`aws:PrincipalTag/x`), so `kms:EncryptionContext:aws:s3:arn` would always count as absent. The
 * rehearsal renames exactly those keys, in the policies and in the request alike, to one it reads
 * (`aws:RequestTag/kms:EncryptionContext:…`); a one-to-one renaming changes no decision.
 */
const VARIABLE_KEY = /^kms:EncryptionContext:(?!Keys$)/i;
const readable = (key: string) => (VARIABLE_KEY.test(key) ? `aws:RequestTag/${key}` : key);
function renameConditionKeys<T>(policy: T): T {
  const doc = policy as { Statement?: Array<{ Condition?: Record<string, Record<string, unknown>> }> };
  return {
    ...doc,
    Statement: (doc.Statement ?? []).map((s) =>
      s.Condition ? { ...s, Condition: Object.fromEntries(Object.entries(s.Condition).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [readable(k), v]))])) } : s,
    ),
  } as T;
}

export interface Decision {
  allowed: boolean;
  /** Allowed, ImplicitlyDenied, ExplicitlyDenied, or the simulator's validation error. */
  result: string;
  /** For a refusal: what is missing or what denies, in words a reviewer can act on. */
  reason?: string;
}

export interface Principal {
  functionName: string;
  roleName: string;
  policies: Array<{ name: string; policy: PolicyDocument }>;
}

export class IamEvaluator {
  private readonly cache = new Map<string, Promise<Decision>>();

  constructor(
    /** The resource policy of a resource ARN (bucket policy for the bucket and its objects, key policy for a key), if any. */
    private readonly resourcePolicyOf: (resource: string) => PolicyDocument | undefined,
  ) {}

  decide(principal: Principal, request: IamRequest): Promise<Decision> {
    const key = JSON.stringify([principal.roleName, principal.policies, request]);
    let decision = this.cache.get(key);
    if (!decision) {
      decision = this.evaluate(principal, request);
      this.cache.set(key, decision);
    }
    return decision;
  }

  private async evaluate(principal: Principal, request: IamRequest): Promise<Decision> {
    const resourcePolicy = this.resourcePolicyOf(request.resource);
    const response = await runSimulation(
      {
        identityPolicies: principal.policies.map((p) => ({ name: p.name, policy: renameConditionKeys(p.policy) as never })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy: renameConditionKeys(resourcePolicy) as never } : {}),
        request: {
          action: request.action,
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${principal.roleName}/${principal.functionName}`,
          resource: { accountId: ACCOUNT, resource: request.resource },
          contextVariables: {
            ...Object.fromEntries(Object.entries(request.context).map(([k, v]) => [readable(k), v])),
            "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/${principal.roleName}`,
            "aws:PrincipalAccount": ACCOUNT,
            "aws:PrincipalType": "AssumedRole",
          },
        },
      },
      {},
    );
    if (response.resultType === "error") {
      return { allowed: false, result: "SimulationError", reason: `the simulator refused the request: ${JSON.stringify(response.errors)}` };
    }
    const overall = response.overallResult;
    if (overall === "Allowed") return { allowed: true, result: overall };
    const analysis = response.resultType === "single" ? response.result.analysis : undefined;
    const denies = [...(analysis?.identityAnalysis?.denyStatements ?? []), ...(analysis?.resourceAnalysis?.denyStatements ?? [])].map((s) => JSON.stringify(s.statement));
    const missing = JSON.stringify({ Effect: "Allow", Action: request.action, Resource: request.resource });
    const reason =
      overall === "ExplicitlyDenied"
        ? `explicitly denied by ${denies.join(", ")}`
        : `no statement allows it; missing statement: ${missing}` + (resourcePolicy && request.action.startsWith("kms:") ? " (and a key policy that delegates to IAM)" : "");
    return { allowed: false, result: overall, reason };
  }
}
