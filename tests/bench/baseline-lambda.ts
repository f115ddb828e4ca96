/**
 * The cold-start baseline (bench 6): bare Hono behind its Lambda adapter plus the DynamoDB client
 * doing one GetItem per request, bundled exactly as the functions are (tests/support/lambda-bundle.ts).
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

const client = new DynamoDBClient({});
const app = new Hono();
app.get('/', async (c) => {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: process.env.TABLE_NAME!,
      Key: { PK: { S: 'BENCH' }, SK: { S: 'BASELINE' } },
    }),
  );
  return c.text(Item ? 'found' : 'not found');
});

export const handler = handle(app);
