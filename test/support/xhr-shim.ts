/**
 * The XMLHttpRequest a React Native app has, for Node: open, setRequestHeader, send (a Blob),
 * upload.onprogress, onload/onerror/onabort, status, responseText, getResponseHeader, abort.
 * Requests go out with Node's fetch. `kill()` ends every request in flight without a callback,
 * as when the app is killed and no more JavaScript runs.
 */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * `hold`: requests that get no answer at all (a network that stalls), until `kill()`;
 * `answer`: requests answered here instead of sent (an expired URL's 403, say).
 */
export function xhrShim(
  hold: (request: SentRequest) => boolean = () => false,
  answer: (request: SentRequest) => { status: number; body: string } | undefined = () => undefined,
) {
  const sent: SentRequest[] = [];
  const live = new Set<AbortController>();
  let killed = false;

  class NodeXhr {
    status = 0;
    responseText = "";
    upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    private request: SentRequest = { method: "GET", url: "", headers: {} };
    private response: Response | undefined;
    private readonly controller = new AbortController();

    open(method: string, url: string) {
      this.request = { method, url, headers: {} };
    }
    setRequestHeader(name: string, value: string) {
      this.request.headers[name.toLowerCase()] = value;
    }
    getResponseHeader(name: string) {
      return this.response?.headers.get(name) ?? null;
    }
    abort() {
      this.controller.abort();
    }
    send(body: Blob | null) {
      sent.push(this.request);
      if (hold(this.request)) return;
      const fake = answer(this.request);
      if (fake) {
        [this.status, this.responseText] = [fake.status, fake.body];
        queueMicrotask(() => this.onload?.());
        return;
      }
      live.add(this.controller);
      const size = body?.size ?? 0;
      fetch(this.request.url, { method: this.request.method, headers: this.request.headers, body, signal: this.controller.signal }).then(
        async (res) => {
          this.response = res;
          this.status = res.status;
          this.responseText = await res.text();
          live.delete(this.controller);
          if (killed) return;
          this.upload.onprogress?.({ lengthComputable: true, loaded: size, total: size });
          this.onload?.();
        },
        () => {
          live.delete(this.controller);
          if (!killed) (this.controller.signal.aborted ? this.onabort : this.onerror)?.();
        },
      );
    }
  }

  return {
    XMLHttpRequest: NodeXhr,
    sent,
    /** Ends every request in flight and silences every callback from now on. */
    kill() {
      killed = true;
      for (const c of live) c.abort();
    },
  };
}
