import { describe, expect, it } from "vitest";
import { awsDomain, resolveCredentials } from "../../functions/adapters/aws.js";

describe("resolveCredentials", () => {
  const given = { accessKeyId: "AKIDGIVEN", secretAccessKey: "given" };

  it("prefers the credentials given", () => {
    expect(resolveCredentials(given, { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "env" })).toBe(given);
  });

  it("reads the Lambda role's from the environment, with the session token when there is one", () => {
    expect(resolveCredentials(undefined, { AWS_ACCESS_KEY_ID: "ASIAENV", AWS_SECRET_ACCESS_KEY: "env", AWS_SESSION_TOKEN: "token" })).toEqual({
      accessKeyId: "ASIAENV", secretAccessKey: "env", sessionToken: "token",
    });
    expect(resolveCredentials(undefined, { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "env", AWS_SESSION_TOKEN: "" })).toEqual({
      accessKeyId: "AKIDENV", secretAccessKey: "env",
    });
  });

  it("refuses to sign without a key id or secret", () => {
    expect(() => resolveCredentials(undefined, {})).toThrow(/No AWS credentials/);
    expect(() => resolveCredentials(undefined, { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "" })).toThrow(/No AWS credentials/);
  });
});

describe("awsDomain", () => {
  it("is amazonaws.com.cn in the China partition, amazonaws.com elsewhere", () => {
    expect(awsDomain("cn-northwest-1")).toBe("amazonaws.com.cn");
    expect(awsDomain("us-gov-west-1")).toBe("amazonaws.com");
    expect(awsDomain("eu-west-1")).toBe("amazonaws.com");
  });
});
