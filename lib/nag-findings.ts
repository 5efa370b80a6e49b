import { Stack } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** The cdk-nag finding of a wildcard resource, as an acknowledgment names it: `AwsSolutions-IAM5[Resource::<BucketX.Arn>/uploads/*]`. */
export const resourceFinding = (scope: IConstruct, resource: string) => `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(resource))}]`;

/** A resolved CloudFormation value as cdk-nag names it in a finding, e.g. `<BucketX.Arn>/uploads/*`. */
export function flattenReference(value: unknown): string {
  if (typeof value === "string") return value.replace(/\$\{/g, "<").replace(/\}/g, ">");
  const node = value as Record<string, unknown>;
  if (Array.isArray(node["Fn::Join"])) {
    const [delimiter, items] = node["Fn::Join"] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (Array.isArray(node["Fn::GetAtt"])) {
    const [resource, attribute] = node["Fn::GetAtt"] as [string, string];
    return `<${resource}.${attribute}>`;
  }
  if (node["Fn::Sub"] !== undefined) return flattenReference(node["Fn::Sub"]);
  if (node.Ref !== undefined) return `<${flattenReference(node.Ref)}>`;
  return JSON.stringify(value);
}
