/** Makes sure the bucket (with CORS for the demo page) and the ticket table exist. */
import { CreateTableCommand, ResourceInUseException, waitUntilTableExists, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand, type S3Client } from "@aws-sdk/client-s3";
import { ticketTableDefinition } from "../functions/adapters/ticket-table.js";

export async function ensureBucket(s3: S3Client, bucket: string, origins: string[]): Promise<void> {
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
  if (!exists) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: origins,
            AllowedMethods: ["PUT", "POST", "GET", "HEAD"],
            AllowedHeaders: ["*"],
            // Browsers must read ETag (and Location after a POST) or uploaders hang.
            ExposeHeaders: ["ETag", "Location"],
            MaxAgeSeconds: 600,
          },
        ],
      },
    }),
  );
}

export async function ensureTable(dynamo: DynamoDBClient, table: string): Promise<void> {
  try {
    await dynamo.send(new CreateTableCommand(ticketTableDefinition(table)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // A new table is CREATING for a moment; the first tickets must not race it.
  await waitUntilTableExists({ client: dynamo, minDelay: 0.05, maxWaitTime: 60 }, { TableName: table });
}
