import { ConditionalCheckFailedException, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { TicketWriter } from "../ports.js";
import type { Ticket } from "../schemas.js";

/**
 * Writes new tickets with the bare DynamoDB client and `PutItem` only, so the sign
 * functions bundle neither the document client nor any other command.
 */
export class DynamoTicketWriter implements TicketWriter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async create(ticket: Ticket): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(ticket, { removeUndefinedValues: true }),
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
