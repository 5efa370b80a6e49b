/**
 * Validates a synthesized template against the CloudFormation resource specification
 * (@aws-cdk/aws-service-spec, the database aws-cdk-lib itself is generated from): every resource
 * type exists, every property (nested ones too) is one the type has, every required property is
 * there, every `Ref` and `DependsOn` names something in the template, and every `Fn::GetAtt` an
 * attribute its resource type returns. Values computed by intrinsics are not type-checked (their
 * type is only known at deploy time); literal objects and lists are, against their definitions.
 */
import { loadAwsServiceSpec } from "@aws-cdk/aws-service-spec";
import type { Json, TemplateJson } from "./template.js";

type SpecDb = Awaited<ReturnType<typeof loadAwsServiceSpec>>;
type PropertyType = { type: string; reference?: { $ref: string }; element?: PropertyType; types?: PropertyType[] };
type Property = { type: PropertyType; required?: boolean; previousTypes?: PropertyType[] };

let db: Promise<SpecDb> | undefined;
const spec = () => (db ??= loadAwsServiceSpec());

const PSEUDO = new Set(["AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs", "AWS::NoValue"]);
const isIntrinsic = (v: Json): boolean =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && (Object.keys(v)[0] === "Ref" || Object.keys(v)[0]!.startsWith("Fn::"));

export async function validateTemplate(template: TemplateJson): Promise<string[]> {
  const database = await spec();
  const errors: string[] = [];
  const resources = template.Resources;
  const resourceType = (type: string) => database.lookup("resource", "cloudFormationType", "equals", type)[0];
  const typeDefinition = (ref: string) => database.get("typeDefinition", ref) as unknown as { name: string; properties: Record<string, Property> };

  const checkIntrinsics = (value: Json, where: string): void => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) return value.forEach((v, i) => checkIntrinsics(v, `${where}[${i}]`));
    if ("Ref" in value && typeof value.Ref === "string" && !PSEUDO.has(value.Ref) && !resources[value.Ref] && !template.Parameters?.[value.Ref]) {
      errors.push(`${where}: Ref to ${value.Ref}, which the template does not define`);
    }
    const att = value["Fn::GetAtt"];
    if (att !== undefined) {
      const [id, ...rest] = Array.isArray(att) ? (att as string[]) : String(att).split(".");
      const attribute = rest.join(".");
      const target = resources[id!];
      if (!target) errors.push(`${where}: Fn::GetAtt ${id}.${attribute}: no resource ${id}`);
      else if (!target.Type.startsWith("Custom::") && target.Type !== "AWS::CloudFormation::CustomResource") {
        const r = resourceType(target.Type);
        if (r && !(attribute in (r.attributes ?? {}))) errors.push(`${where}: Fn::GetAtt ${id}.${attribute}: ${target.Type} has no attribute ${attribute}`);
      }
    }
    for (const [k, v] of Object.entries(value)) checkIntrinsics(v, `${where}.${k}`);
  };

  const checkValue = (value: Json, type: PropertyType, where: string): void => {
    if (value === null || isIntrinsic(value)) return;
    switch (type.type) {
      case "ref": {
        if (typeof value !== "object" || Array.isArray(value)) return void errors.push(`${where}: expected an object (${typeDefinition(type.reference!.$ref).name}), got ${JSON.stringify(value).slice(0, 60)}`);
        checkObject(value, typeDefinition(type.reference!.$ref).properties, where);
        return;
      }
      case "array":
        if (!Array.isArray(value)) return void errors.push(`${where}: expected a list, got ${JSON.stringify(value).slice(0, 60)}`);
        value.forEach((v, i) => checkValue(v, type.element!, `${where}[${i}]`));
        return;
      case "map":
        if (typeof value !== "object" || Array.isArray(value)) return void errors.push(`${where}: expected a map`);
        for (const [k, v] of Object.entries(value)) checkValue(v, type.element!, `${where}.${k}`);
        return;
      case "union": {
        // Valid if any member accepts it.
        const before = errors.length;
        const results = (type.types ?? []).map((member) => {
          const mark = errors.length;
          checkValue(value, member, where);
          return errors.splice(mark).length === 0;
        });
        errors.length = before;
        if (!results.some(Boolean)) errors.push(`${where}: ${JSON.stringify(value).slice(0, 60)} matches none of its allowed types`);
        return;
      }
      case "string":
      case "number":
      case "integer":
      case "boolean":
      case "date-time":
        if (typeof value === "object") errors.push(`${where}: expected a ${type.type}, got ${Array.isArray(value) ? "a list" : "an object"}`);
        return;
      default:
        return; // json, tag and the like: any value
    }
  };

  const checkObject = (value: Record<string, Json>, properties: Record<string, Property>, where: string): void => {
    for (const [name, v] of Object.entries(value)) {
      const property = properties[name];
      if (!property) errors.push(`${where}: unknown property ${name}`);
      else if (!isIntrinsic(v)) {
        const candidates = [property.type, ...(property.previousTypes ?? [])];
        const mark = errors.length;
        const ok = candidates.some((t) => {
          const m = errors.length;
          checkValue(v, t, `${where}.${name}`);
          return errors.splice(m).length === 0;
        });
        if (!ok) checkValue(v, property.type, `${where}.${name}`);
        else errors.length = mark;
      }
    }
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && !(name in value)) errors.push(`${where}: missing required property ${name}`);
    }
  };

  for (const [id, resource] of Object.entries(resources)) {
    const where = `${id} (${resource.Type})`;
    for (const dep of [(resource as { DependsOn?: string | string[] }).DependsOn ?? []].flat()) if (!resources[dep]) errors.push(`${where}: DependsOn ${dep}, which the template does not define`);
    checkIntrinsics((resource.Properties ?? {}) as Json, where);
    if (resource.Type.startsWith("Custom::") || resource.Type === "AWS::CloudFormation::CustomResource") {
      if (!resource.Properties?.ServiceToken) errors.push(`${where}: a custom resource without ServiceToken`);
      continue;
    }
    const r = resourceType(resource.Type);
    if (!r) {
      errors.push(`${where}: unknown resource type ${resource.Type}`);
      continue;
    }
    checkObject((resource.Properties ?? {}) as Record<string, Json>, r.properties as unknown as Record<string, Property>, where);
  }
  return errors;
}
