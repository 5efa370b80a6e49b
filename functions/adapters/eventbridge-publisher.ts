import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { CompletionEvent, EventPublisher } from "../domain/events.js";

/** PutEvents takes at most 10 entries a call. */
export const PUT_EVENTS_BATCH = 10;

export interface EventBridgePublisherOptions {
  /** The bus's name or ARN. @default - the account's default bus */
  eventBus?: string;
}

/**
 * Publishes completion events with PutEvents, ten at a time. A call that fails, or that
 * EventBridge answers with any failed entry, throws, so the stream batch is retried: events
 * are delivered at least once (a retried batch may repeat the entries that did succeed;
 * consumers dedupe on `uploadId` + `status`).
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: Pick<EventBridgeClient, "send">,
    private readonly options: EventBridgePublisherOptions = {},
  ) {}

  async publish(events: CompletionEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
      const entries = events.slice(start, start + PUT_EVENTS_BATCH).map((event) => this.entry(event));
      const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
      const failed = result.FailedEntryCount ?? 0;
      if (failed > 0) {
        const reasons = (result.Entries ?? [])
          .map((entry, i) => (entry.ErrorCode ? `${entries[i]?.DetailType} ${events[start + i]?.detail.uploadId}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ""}`.trim() : undefined))
          .filter((reason) => reason !== undefined);
        throw new Error(`EventBridge refused ${failed} of ${entries.length} events: ${reasons.join("; ") || "no reason given"}`);
      }
    }
  }

  private entry(event: CompletionEvent): PutEventsRequestEntry {
    return {
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      // The event's time is the change's, not the (possibly retried) publishing's.
      Time: new Date(event.detail.at),
      ...(this.options.eventBus ? { EventBusName: this.options.eventBus } : {}),
    };
  }
}
