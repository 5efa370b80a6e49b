import { afterEach, describe, expect, it, vi } from "vitest";
import { PowertoolsMetricSink } from "../../functions/adapters/powertools-metrics.js";
import { countsOf, rejectClass } from "../../functions/domain/ticket-metrics.js";
import type { EventTicket } from "../../functions/domain/events.js";

const ticket = (status: EventTicket["status"], extra: Partial<EventTicket> = {}): EventTicket => ({
  uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", owner: "alice", profile: "avatar", key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png",
  contentType: "image/png", metadata: {}, status, createdAt: "2026-11-21T10:00:00.000Z", ...extra,
});

describe("ticket metrics", () => {
  afterEach(() => vi.restoreAllMocks());

  it("counts a new pending ticket as issued, and each change to a final status once", () => {
    expect(countsOf(undefined, ticket("pending"))).toEqual([{ name: "TicketsIssued", dimensions: { profile: "avatar" } }]);
    expect(countsOf(ticket("pending"), ticket("completed"))).toEqual([{ name: "UploadsCompleted", dimensions: { profile: "avatar" } }]);
    expect(countsOf(ticket("pending"), ticket("rejected", { rejectReason: "size 2047 differs from the declared 2048 bytes; metadata differs" }))).toEqual([
      { name: "UploadsRejected", dimensions: { profile: "avatar", reasonClass: "size" } },
    ]);
    expect(countsOf(ticket("pending"), ticket("aborted"))).toEqual([{ name: "UploadsAborted", dimensions: { profile: "avatar" } }]);
    expect(countsOf(ticket("completed"), ticket("completed", { size: 3 }))).toEqual([]);
    expect(countsOf(ticket("pending"), ticket("pending"))).toEqual([]);
  });

  it.each([
    ["content type 'text/html' is not image/png", "content-type"],
    ["content is text/html, not image/png", "content"],
    ["x-amz-meta-upload-id is not this ticket's id", "metadata"],
    ["the object was created by Copy, not by the ticket's PUT upload", "method"],
    ["the file name 'a/b' holds path separators, dot segments or control characters", "filename"],
    ["the malware scan found a threat", "other"],
  ])("classes %s as %s", (reason, expected) => expect(rejectClass(reason)).toBe(expected));

  it("emits one embedded-metric-format line per dimension set, with Powertools' service dimension", () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const sink = new PowertoolsMetricSink();
    sink.count("TicketsIssued", 1, { profile: "avatar" });
    sink.count("TicketsIssued", 1, { profile: "avatar" });
    sink.count("UploadsRescued", 0);
    sink.flush();
    const emf = lines.flatMap((l) => l.split("\n")).filter((l) => l.includes("_aws")).map((l) => JSON.parse(l));
    expect(emf).toHaveLength(2);
    expect(emf[0]).toMatchObject({ TicketsIssued: 2, profile: "avatar", service: "upload-broker", _aws: { CloudWatchMetrics: [{ Namespace: "UploadBroker", Dimensions: [expect.arrayContaining(["service", "profile"])] }] } });
    expect(emf[1]).toMatchObject({ UploadsRescued: 0, service: "upload-broker" });
  });
});
