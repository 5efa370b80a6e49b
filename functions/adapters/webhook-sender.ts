/** One POST of a webhook delivery: the receiver's status, or a thrown error for no answer (network error, timeout). */
export type WebhookSender = (url: string, headers: Record<string, string>, body: string) => Promise<number>;

/** Node's fetch, with a time limit on the whole exchange; the answer's body is not read. */
export const fetchSender = (timeoutMs: number): WebhookSender => async (url, headers, body) => {
  const response = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  return response.status;
};
