import { parseError } from "./dynamo-json.js";
import { AwsServiceError, sanitizeErrorCode, withRetries, type SignedHttp } from "./signed-http.js";

/**
 * One operation of an AWS JSON 1.1 protocol (`x-amz-target`: EventBridge, Secrets Manager), as
 * the SDK's clients send it, under signed-http.ts's retry policy: the parsed answer of a 200,
 * else the service's error as the SDK shapes it.
 */
export function jsonTargetCall<T>(http: SignedHttp, target: string, input: unknown): Promise<T> {
  const body = JSON.stringify(input);
  return withRetries(async () => {
    const answer = await http.send({ method: "POST", path: "/", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target }, body });
    const text = answer.body.toString("utf8");
    if (answer.status === 200) return JSON.parse(text) as T;
    const { type, message } = parseError(text);
    throw new AwsServiceError(type || sanitizeErrorCode(String(answer.headers["x-amzn-errortype"] ?? "UnknownError")), message || "UnknownError", answer.status);
  });
}
