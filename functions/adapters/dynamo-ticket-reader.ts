import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { TicketPage, TicketQuery, TicketReader } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { resolveCredentials, type Credentials } from "./aws.js";
import { backoff, DynamoJson, RETRYABLE } from "./dynamo-json.js";
import { listOwnerTickets, ownerQueryInput } from "./ticket-queries.js";

export interface DynamoTicketReaderOptions {
  table: string;
  region: string;
  /** A DynamoDB-compatible endpoint; AWS's regional endpoint when omitted. */
  endpoint?: string;
  /** Static credentials; the Lambda role's from the environment when omitted. */
  credentials?: Credentials;
}

const ATTEMPTS = 3;

type Item = Parameters<typeof unmarshall>[0];

/**
 * The status routes' two reads (a strongly consistent GetItem, the byOwner Query) as aws4-signed
 * DynamoDB JSON requests over a keep-alive agent, unmarshalled by `@aws-sdk/util-dynamodb`: the
 * same queries as DynamoTicketStore (ticket-queries.ts), without the SDK's DynamoDB and document
 * clients, whose credential chain alone pulls in nested SSO and STS clients and doubled the
 * status functions' cold start. A wire test holds the signature to the SDK's SignatureV4.
 * Throttling, 5xx and network errors are retried (3 attempts).
 */
export class DynamoTicketReader implements TicketReader {
  private readonly dynamo: DynamoJson;

  constructor(private readonly options: DynamoTicketReaderOptions) {
    this.dynamo = new DynamoJson(options.region, options.endpoint);
  }

  async get(uploadId: string): Promise<Ticket | undefined> {
    const { Item } = await this.send<{ Item?: Item }>("GetItem", { TableName: this.options.table, Key: { uploadId: { S: uploadId } }, ConsistentRead: true });
    return Item ? (unmarshall(Item) as Ticket) : undefined;
  }

  async listByOwner(owner: string, query: TicketQuery): Promise<TicketPage> {
    return listOwnerTickets(query, async (limit, start) => {
      const input = ownerQueryInput(this.options.table, owner, query, limit, start && marshall(start));
      const result = await this.send<{ Items?: Item[]; LastEvaluatedKey?: Item }>("Query", {
        ...input,
        ExpressionAttributeValues: marshall(input.ExpressionAttributeValues),
      });
      return {
        items: (result.Items ?? []).map((i) => unmarshall(i) as Ticket),
        ...(result.LastEvaluatedKey ? { last: unmarshall(result.LastEvaluatedKey) } : {}),
      };
    });
  }

  /** One read, retried on throttling, 5xx and network errors. */
  private async send<T>(operation: string, input: unknown): Promise<T> {
    const body = JSON.stringify(input);
    const credentials = resolveCredentials(this.options.credentials);
    for (let attempt = 1; ; attempt++) {
      let answer;
      try {
        answer = await this.dynamo.send(operation, body, credentials);
      } catch (error) {
        if (attempt >= ATTEMPTS) throw new Error(`DynamoDB ${operation} failed after ${attempt} attempts`, { cause: error });
        await backoff(attempt);
        continue;
      }
      if (answer.status === 200) return JSON.parse(answer.text) as T;
      if (attempt < ATTEMPTS && (answer.status >= 500 || RETRYABLE.test(answer.type))) {
        await backoff(attempt);
        continue;
      }
      throw new Error(`DynamoDB ${operation} failed: ${answer.status} ${answer.type}: ${answer.message}`);
    }
  }
}
