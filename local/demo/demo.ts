/** The demo page: dev token → ticket → direct upload to S3 with progress → ticket status. */

import type { ErrorDetail } from "../../functions/errors.js";
import type { ProfilesResponse, SignPostResponse, SignPutResponse, TicketView } from "../../functions/schemas.js";

type Profile = ProfilesResponse["profiles"][number];
interface ApiError { error: { code: string; message: string; details?: ErrorDetail[] } }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  user: $<HTMLInputElement>("user"), groups: $<HTMLInputElement>("groups"), signin: $<HTMLButtonElement>("signin"),
  who: $("who"), profile: $<HTMLSelectElement>("profile"), profileInfo: $("profile-info"), file: $<HTMLInputElement>("file"),
  upload: $<HTMLButtonElement>("upload"), progress: $<HTMLProgressElement>("progress"), ticket: $("ticket"),
  status: $("status"), reason: $("reason"), error: $("error"),
};
let token = "";
let profiles: Profile[] = [];

const showError = (message: string) => { ui.error.textContent = message; };
const mib = (n: number) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${n} B`);

/** Calls our API; a contract error becomes an Error with its message and details in words. */
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T | ApiError;
  if (!res.ok) {
    const { error } = json as ApiError;
    const details = error.details?.map((d) => `\n• ${d.path}: ${d.message}`).join("") ?? "";
    throw new Error(`${error.message}${details} (${res.status} ${error.code})`);
  }
  return json as T;
}

/** Sends the bytes to S3 with XMLHttpRequest, the only browser API with upload progress. */
function send(method: "PUT" | "POST", url: string, body: Blob | FormData, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) ui.progress.value = (100 * e.loaded) / e.total; };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const xml = new DOMParser().parseFromString(xhr.responseText, "application/xml");
      const code = xml.querySelector("Code")?.textContent ?? "";
      const message = xml.querySelector("Message")?.textContent ?? xhr.statusText;
      reject(new Error(`S3 refused the upload: ${message}${code ? ` (${xhr.status} ${code})` : ` (${xhr.status})`}`));
    };
    xhr.onerror = () => reject(new Error("S3 could not be reached (network or CORS error)."));
    xhr.send(body);
  });
}

async function waitForStatus(uploadId: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const view = await api<TicketView>("GET", `/uploads/${uploadId}`);
    ui.status.textContent = view.status;
    ui.status.dataset.status = view.status;
    ui.reason.textContent = view.rejectReason ? `Rejected: ${view.rejectReason}` : view.size !== undefined ? `${view.size} bytes stored.` : "";
    if (view.status !== "pending") return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function upload(): Promise<void> {
  const file = ui.file.files?.[0];
  if (!file) return showError("Choose a file first.");
  const method = (document.querySelector<HTMLInputElement>("input[name=method]:checked")?.value ?? "put") as "put" | "post";
  const contentType = file.type || "application/octet-stream";
  ui.progress.value = 0;
  ui.status.textContent = "–";
  delete ui.status.dataset.status;
  ui.reason.textContent = "";
  showError("");
  if (method === "put") {
    const t = await api<SignPutResponse>("POST", "/sign/put", {
      profile: ui.profile.value, filename: file.name, contentType, size: file.size,
    });
    ui.ticket.textContent = t.uploadId;
    const { "content-length": _, ...headers } = t.headers;
    await send("PUT", t.url, file, headers);
    return waitForStatus(t.uploadId);
  }
  const t = await api<SignPostResponse>("POST", "/sign/post", {
    profile: ui.profile.value, filename: file.name, contentType,
  });
  ui.ticket.textContent = t.uploadId;
  const form = new FormData();
  for (const [name, value] of Object.entries(t.fields)) form.append(name, value);
  form.append("file", file);
  await send("POST", t.url, form, {});
  return waitForStatus(t.uploadId);
}

function describeProfile(): void {
  const p = profiles.find((x) => x.name === ui.profile.value);
  ui.profileInfo.textContent = p ? `${p.contentTypes.join(", ")} · ${mib(p.minBytes)}–${mib(p.maxBytes)}` : "";
}

async function start(): Promise<void> {
  profiles = (await api<ProfilesResponse>("GET", "/profiles")).profiles;
  ui.profile.replaceChildren(...profiles.map((p) => new Option(p.name, p.name)));
  describeProfile();
}

const guard = (fn: () => Promise<void>) => () => fn().catch((e: unknown) => showError(e instanceof Error ? e.message : String(e)));
ui.profile.addEventListener("change", describeProfile);
ui.signin.addEventListener("click", guard(async () => {
  const groups = ui.groups.value.split(/[\s,]+/).filter(Boolean);
  token = (await api<{ token: string }>("POST", "/dev/token", { sub: ui.user.value.trim(), groups })).token;
  ui.who.textContent = `signed in as ${ui.user.value.trim()}`;
  ui.upload.disabled = false;
  showError("");
}));
ui.upload.addEventListener("click", guard(async () => {
  ui.upload.disabled = true;
  try { await upload(); } finally { ui.upload.disabled = false; }
}));
guard(start)();
