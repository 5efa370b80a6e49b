/** The demo page, built on upload-broker-client: dev sign-in, drag and drop, progress, cancel, list, download, delete. */
import { createUploadClient, UploadError, type PublicProfile, type TicketView, type UploadOptions } from "../../client/src/index.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  user: $<HTMLInputElement>("user"), groups: $<HTMLInputElement>("groups"), signin: $<HTMLButtonElement>("signin"), who: $("who"),
  profile: $<HTMLSelectElement>("profile"), method: $<HTMLSelectElement>("method"), profileInfo: $("profile-info"),
  drop: $("drop"), file: $<HTMLInputElement>("file"), transfers: $("transfers"), refresh: $<HTMLButtonElement>("refresh"),
  uploads: $("uploads"), error: $("error"),
};
let token = "";
let profiles: PublicProfile[] = [];
const client = createUploadClient({ baseUrl: location.origin, getToken: () => token });

/** `<tag class=…>text</tag>` with children. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}
const bytes = (n: number) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
/** An error in words, with the contract's details and code. */
const describe = (e: unknown) =>
  e instanceof UploadError
    ? `${e.message}${e.details?.map((d) => `\n• ${d.path}: ${d.message}`).join("") ?? ""} (${e.status ? `${e.status} ` : ""}${e.code})`
    : String(e);
const showError = (e: unknown) => (ui.error.textContent = e === "" ? "" : describe(e));
const guard = (fn: () => Promise<void>) => () => {
  showError("");
  fn().catch(showError);
};

function describeProfile(): void {
  const p = profiles.find((x) => x.name === ui.profile.value);
  ui.profileInfo.replaceChildren(
    p ? `${p.contentTypes.join(", ")} · ${bytes(p.minBytes)}–${bytes(p.maxBytes)} · ${p.methods.join(", ")}` : "",
    ...(p?.restricted ? [" · ", el("span", { className: "restricted", textContent: "restricted to some groups" })] : []),
  );
}

/** One file's row: progress in percent and bytes, cancel, then its outcome. */
function transfer(file: File): void {
  const controller = new AbortController();
  const bar = el("progress", { max: file.size || 1, value: 0 });
  const figures = el("span", { className: "muted", textContent: `0% · 0 B of ${bytes(file.size)}` });
  const status = el("span", { textContent: "uploading" });
  status.dataset.status = "uploading";
  const cancel = el("button", { className: "quiet", type: "button", textContent: "Cancel", onclick: () => controller.abort() });
  const error = el("div", { className: "error" });
  const row = el("li", {}, el("span", { className: "name", textContent: file.name }), el("span", {}, status, " ", cancel), bar, figures, error);
  row.dataset.file = file.name;
  ui.transfers.prepend(row);
  const finish = (state: string, text = state) => {
    status.dataset.status = state;
    status.textContent = text;
    cancel.remove();
  };
  const options: UploadOptions = {
    profile: ui.profile.value,
    method: ui.method.value as UploadOptions["method"],
    signal: controller.signal,
    onProgress: ({ loaded, total }) => {
      bar.value = loaded;
      figures.textContent = `${total ? Math.floor((100 * loaded) / total) : 100}% · ${bytes(loaded)} of ${bytes(total)}`;
    },
  };
  client
    .upload(file, options)
    .then((view) => finish(view.status, view.rejectReason ? `rejected: ${view.rejectReason}` : view.status))
    .catch((e: unknown) => {
      if (e instanceof UploadError && e.code === "aborted") return finish("aborted", "cancelled");
      finish("failed");
      bar.remove();
      figures.remove();
      error.textContent = describe(e);
    })
    .finally(() => listUploads().catch(showError));
}

function startTransfers(files: FileList | null | undefined): void {
  if (!token) return void showError(new UploadError(401, "unauthorized", "Sign in first."));
  showError("");
  for (const file of Array.from(files ?? [])) transfer(file);
}

/** One ticket's row: status, and a download link or a delete button where they apply. */
async function uploadRow(t: TicketView): Promise<HTMLTableRowElement> {
  const status = el("td", { textContent: t.status });
  status.dataset.status = t.status;
  const actions = el("td");
  if (t.status === "completed") actions.append(el("a", { href: await client.downloadUrl(t.uploadId), textContent: "Download" }));
  if (t.status === "completed" || t.status === "pending") {
    const remove = el("button", { className: "quiet", type: "button", textContent: t.status === "pending" ? "Abort" : "Delete" });
    remove.onclick = guard(async () => {
      remove.disabled = true;
      await client.deleteUpload(t.uploadId).finally(listUploads);
    });
    actions.append(remove);
  }
  const row = el("tr", {}, el("td", { textContent: t.filename ?? t.key.split("/").pop()! }), el("td", { textContent: t.profile }), status,
    el("td", { textContent: t.size === undefined ? "–" : bytes(t.size) }), el("td", { textContent: new Date(t.createdAt).toLocaleTimeString() }), actions);
  row.dataset.uploadId = t.uploadId;
  row.title = t.rejectReason ?? t.uploadId;
  return row;
}

/** Renders the caller's uploads afresh: the list is always the server's, never a leftover. */
let listing = 0;
async function listUploads(): Promise<void> {
  const mine = ++listing;
  const { items } = await client.listUploads({ limit: 20 });
  const rows = await Promise.all(items.map(uploadRow));
  // Uploads finish in any order: only the newest listing is shown.
  if (mine !== listing) return;
  ui.uploads.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colSpan: 6, className: "muted", textContent: "No uploads yet." }))]));
}

async function signIn(): Promise<void> {
  const sub = ui.user.value.trim();
  const groups = ui.groups.value.split(/[\s,]+/).filter(Boolean);
  const res = await fetch("/dev/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sub, groups }) });
  const body = (await res.json()) as { token?: string; error?: { code: string; message: string } };
  if (!body.token) throw new UploadError(res.status, body.error?.code ?? "unexpected_response", body.error?.message ?? "No token.");
  token = body.token;
  ui.who.textContent = `signed in as ${sub}${groups.length ? ` (${groups.join(", ")})` : ""}`;
  ui.file.disabled = ui.refresh.disabled = false;
  ui.drop.setAttribute("aria-disabled", "false");
  ui.transfers.replaceChildren();
  await listUploads();
}

async function start(): Promise<void> {
  const res = await fetch("/profiles");
  profiles = ((await res.json()) as { profiles: PublicProfile[] }).profiles;
  ui.profile.replaceChildren(...profiles.map((p) => new Option(p.restricted ? `${p.name} (restricted)` : p.name, p.name)));
  describeProfile();
}

ui.profile.addEventListener("change", describeProfile);
ui.signin.addEventListener("click", guard(signIn));
ui.refresh.addEventListener("click", guard(listUploads));
ui.file.addEventListener("change", () => {
  startTransfers(ui.file.files);
  ui.file.value = "";
});
for (const name of ["dragenter", "dragover"] as const) ui.drop.addEventListener(name, (e) => (e.preventDefault(), ui.drop.classList.add("over")));
ui.drop.addEventListener("dragleave", () => ui.drop.classList.remove("over"));
ui.drop.addEventListener("drop", (e) => {
  e.preventDefault();
  ui.drop.classList.remove("over");
  startTransfers(e.dataTransfer?.files);
});
guard(start)();
