import type { CompletionEvent, EventPublisher } from "../domain/events.js";
import { awsDomain, endpointFromEnv, type Credentials } from "./aws.js";
import { jsonTargetCall } from "./json-target.js";
import { SignedHttp } from "./signed-http.js";

/** PutEvents takes at most 10 entries a call. */
export const PUT_EVENTS_BATCH = 10;

export interface EventBridgePublisherOptions {
  region: string;
  /** The bus's name or ARN. @default - the account's default bus */
  eventBus?: string;
  /** An EventBridge-compatible endpoint (tests); else the environment's (as the SDK reads it), else AWS's regional one. */
  endpoint?: string;
  /** Static credentials; the Lambda role's from the environment when omitted. */
  credentials?: Credentials;
}

interface Entry {
  Source: string;
  DetailType: string;
  Detail: string;
  Time: number;
  EventBusName?: string;
}

/**
 * Publishes completion events with PutEvents, ten at a time. A call that fails, or that
 * EventBridge answers with any failed entry, throws, so the stream batch is retried: events
 * are delivered at least once (a retried batch may repeat the entries that did succeed;
 * consumers dedupe on `uploadId` + `status`). The call is EventBridge's JSON protocol
 * (`AWSEvents.PutEvents`), aws4-signed, as the SDK's client sends it (a wire test holds it to
 * that), under signed-http.ts's retry policy.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly http: SignedHttp;

  constructor(private readonly options: EventBridgePublisherOptions) {
    const endpoint = options.endpoint ?? endpointFromEnv("EVENTBRIDGE") ?? `https://events.${options.region}.${awsDomain(options.region)}`;
    this.http = new SignedHttp("events", options.region, endpoint, options.credentials);
  }

  private putEvents(entries: Entry[]): Promise<{ FailedEntryCount?: number; Entries?: Array<{ ErrorCode?: string; ErrorMessage?: string }> }> {
    return jsonTargetCall(this.http, "AWSEvents.PutEvents", { Entries: entries });
  }

  async publish(events: CompletionEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
      const entries = events.slice(start, start + PUT_EVENTS_BATCH).map((event) => this.entry(event));
      const result = await this.putEvents(entries);
      const failed = result.FailedEntryCount ?? 0;
      if (failed > 0) {
        const reasons = (result.Entries ?? [])
          .map((entry, i) => (entry.ErrorCode ? `${entries[i]?.DetailType} ${events[start + i]?.detail.uploadId}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ""}`.trim() : undefined))
          .filter((reason) => reason !== undefined);
        throw new Error(`EventBridge refused ${failed} of ${entries.length} events: ${reasons.join("; ") || "no reason given"}`);
      }
    }
  }

  private entry(event: CompletionEvent): Entry {
    return {
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      // The event's time is the change's, not the (possibly retried) publishing's (epoch seconds, as the SDK sends it).
      Time: Date.parse(event.detail.at) / 1000,
      ...(this.options.eventBus ? { EventBusName: this.options.eventBus } : {}),
    };
  }
}
