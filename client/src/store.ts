/**
 * Where the client keeps each multipart upload's state (ticket id, plan, parts done), so an
 * upload goes on after a reload or after the app was killed. Any store of strings with
 * AsyncStorage's shape fits: React Native's AsyncStorage itself, `localStorage`, the IndexedDB
 * store below (the default in browsers) or the in-memory one (the default elsewhere).
 */

/** `getItem`/`setItem`/`removeItem` of strings, synchronous or not (AsyncStorage, localStorage). */
export interface ResumeStore {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** One unfinished multipart upload, as stored and as `resumeUploads()` lists it. */
export interface StoredUpload {
  uploadId: string;
  profile: string;
  filename: string;
  contentType: string;
  size: number;
  /** The file's `lastModified` when it had one: with name, size and type, how a file is recognised. */
  lastModified?: number;
  partSize: number;
  partCount: number;
  /** ETags of the parts sent, by part number. */
  done: Record<number, string>;
  /** When the ticket ends (ISO). */
  expiresAt: string;
}

/** A store that lasts as long as the page or process (Node, tests, or no persistent storage). */
export function memoryStore(): ResumeStore {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
}

/** A store in the browser's IndexedDB (database `name`, one object store of strings). */
export function indexedDbStore(name = "upload-broker"): ResumeStore {
  let db: Promise<IDBDatabase> | undefined;
  const run = <T>(mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest<T>) =>
    (db ??= new Promise((resolve, reject) => {
      const open = indexedDB.open(name, 1);
      open.onupgradeneeded = () => open.result.createObjectStore("kv");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    })).then(
      (d) =>
        new Promise<T>((resolve, reject) => {
          const t = d.transaction("kv", mode);
          const request = act(t.objectStore("kv"));
          t.oncomplete = () => resolve(request.result);
          t.onerror = () => reject(t.error);
        }),
    );
  return {
    getItem: async (k) => ((await run("readonly", (s) => s.get(k))) as string | undefined) ?? null,
    setItem: async (k, v) => void (await run("readwrite", (s) => s.put(v, k))),
    removeItem: async (k) => void (await run("readwrite", (s) => s.delete(k))),
  };
}

const INDEX = "upload-broker:uploads";
const keyOf = (id: string) => `upload-broker:upload:${id}`;

/** The uploads in a store: one item per upload plus an index of their ids; writes go one at a time. */
export function uploadRecords(store: ResumeStore) {
  let queue: Promise<void> = Promise.resolve();
  // Keeping state is best effort: a full or failing store never fails the upload itself.
  const serial = (job: () => Promise<void>): Promise<void> => (queue = queue.then(job).catch(() => undefined));
  const ids = async (): Promise<string[]> => JSON.parse((await store.getItem(INDEX)) ?? "[]");
  const get = async (id: string): Promise<StoredUpload | undefined> => {
    const text = await store.getItem(keyOf(id));
    return text ? JSON.parse(text) : undefined;
  };
  const remove = (id: string) =>
    serial(async () => {
      await store.removeItem(keyOf(id));
      await store.setItem(INDEX, JSON.stringify((await ids()).filter((i) => i !== id)));
    });
  return {
    get,
    remove,
    save: (upload: StoredUpload) =>
      serial(async () => {
        await store.setItem(keyOf(upload.uploadId), JSON.stringify(upload));
        const known = await ids();
        if (!known.includes(upload.uploadId)) await store.setItem(INDEX, JSON.stringify([...known, upload.uploadId]));
      }),
    /** Every stored upload whose ticket still lives; the others are forgotten. */
    async list(now = Date.now()): Promise<StoredUpload[]> {
      const live: StoredUpload[] = [];
      for (const id of await ids()) {
        const upload = await get(id);
        if (upload && Date.parse(upload.expiresAt) > now) live.push(upload);
        else await remove(id);
      }
      return live;
    },
  };
}

export type UploadRecords = ReturnType<typeof uploadRecords>;
