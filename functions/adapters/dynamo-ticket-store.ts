import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TicketStore } from "../ports.js";
import type { Ticket } from "../schemas.js";

/** Tickets in one DynamoDB table: key `uploadId`, GSI `byOwner` (`owner`, `createdAt`), TTL `ttl`. */
export class DynamoTicketStore implements TicketStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(ticket: Ticket): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: ticket,
          ConditionExpression: "attribute_not_exists(uploadId)",
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new Error(`ticket ${ticket.uploadId} already exists; refusing to overwrite it`, { cause: error });
      }
      throw error;
    }
  }
}
