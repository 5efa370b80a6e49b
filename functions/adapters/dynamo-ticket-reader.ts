import { DynamoTicketStore, type DynamoTableOptions } from "./dynamo-ticket-store.js";

/**
 * The status routes' reads (a strongly consistent GetItem, the byOwner Query): the ticket store
 * itself, whose requests are aws4-signed DynamoDB JSON without the SDK's clients.
 */
export { DynamoTicketStore as DynamoTicketReader };
export type DynamoTicketReaderOptions = DynamoTableOptions;
