import type { DeliverDeps } from "../handlers/deliver-webhook.js";

/** One POST of a webhook delivery by Node's fetch, with a time limit on the whole exchange; the answer's body is not read. */
export const fetchSender = (timeoutMs: number): DeliverDeps["send"] => async (url, headers, body) => {
  const response = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  return response.status;
};
