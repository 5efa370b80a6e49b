/** The ticket reads the DynamoDB ticket store makes, as plain DynamoDB inputs (values not yet marshalled). */
import type { TicketPage, TicketPosition, TicketQuery } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { TICKET_TABLE } from "./ticket-table.js";

/** Query pages one list request may read while a status filter skips tickets. */
export const MAX_QUERY_PAGES = 10;

const STATUS_FILTERS: Record<NonNullable<TicketQuery["status"]>, string> = {
  scanning: "#status = :status",
  completed: "#status = :status",
  rejected: "#status = :status",
  aborted: "#status = :status",
  deleted: "#status = :status",
  pending: "#status = :pending AND expiresAt >= :cut",
  expired: "#status = :pending AND expiresAt < :cut",
};

/** One page of an owner's tickets, newest first, from `start`. */
export function ownerQueryInput(table: string, owner: string, query: TicketQuery, limit: number, start?: Record<string, unknown>) {
  const filter = query.status && STATUS_FILTERS[query.status];
  return {
    TableName: table,
    IndexName: TICKET_TABLE.ownerIndex,
    KeyConditionExpression: "#owner = :owner",
    ScanIndexForward: false,
    Limit: limit,
    ...(start ? { ExclusiveStartKey: start } : {}),
    ...(filter ? { FilterExpression: filter } : {}),
    ExpressionAttributeNames: { "#owner": "owner", ...(filter ? { "#status": "status" } : {}) },
    ExpressionAttributeValues: {
      ":owner": owner,
      ...(filter?.includes(":status") ? { ":status": query.status } : {}),
      ...(filter?.includes(":pending") ? { ":pending": "pending", ":cut": query.expiredBefore } : {}),
    } as Record<string, unknown>,
  };
}

/** Reads pages with `page` until `query.limit` tickets or the end (at most MAX_QUERY_PAGES). */
export async function listOwnerTickets(
  query: TicketQuery,
  page: (limit: number, start?: Record<string, unknown>) => Promise<{ items: Ticket[]; last?: Record<string, unknown> }>,
): Promise<TicketPage> {
  const items: Ticket[] = [];
  let start: Record<string, unknown> | undefined = query.after && { ...query.after };
  for (let n = 0; n < MAX_QUERY_PAGES && items.length < query.limit; n++) {
    const result = await page(query.limit - items.length, start);
    items.push(...result.items);
    start = result.last;
    if (!start) break;
  }
  return { items, ...(start ? { next: start as unknown as TicketPosition } : {}) };
}
