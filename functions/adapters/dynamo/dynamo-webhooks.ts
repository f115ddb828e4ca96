import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { WebhookDelivery } from '../../core/webhooks/delivery.js';
import type { WebhookEndpoint } from '../../core/webhooks/endpoint.js';
import type { WebhookStore } from '../../core/webhooks/ports.js';
import { translateDynamoError } from './client.js';
import { conditionally } from './conditional-write.js';
import { tableKeys } from './table.js';

const ENDPOINTS = 'WEBHOOKS';
const ENDPOINT_ID = /^whe_[0-9a-f]{32}$/;
const endpointKey = (id: string) => ({ PK: ENDPOINTS, SK: `ENDPOINT#${id}` });
const deliveryKey = (endpointId: string, eventId: string) => ({
  PK: `WEBHOOK#${endpointId}`,
  SK: `DELIVERY#${eventId}`,
});
/** The outbox's sparse index, under a partition of its own: only deliveries still to be made. */
const DUE = 'WEBHOOK#due';
/** Delivered ones are kept a week (without their body), given-up ones a month, for the editors. */
const DELIVERED_TTL_S = 7 * 24 * 60 * 60;
const FAILED_TTL_S = 30 * 24 * 60 * 60;

const strip = (item: Record<string, unknown>) => {
  const { PK, SK, GSI2PK, GSI2SK, entity, expiresAt, ...rest } = item;
  return rest;
};

/**
 * Endpoints in one small partition (an account has a handful), each endpoint's deliveries in its
 * own, sorted by event id (which begins with its time). Queued and in-flight deliveries carry the
 * GSI2 keys under `WEBHOOK#due`, sorted by when they are due: the sender's one Query.
 */
export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    const items: WebhookEndpoint[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :endpoint)',
        ExpressionAttributeValues: { ':pk': ENDPOINTS, ':endpoint': 'ENDPOINT#' },
      },
    );
    try {
      for await (const page of pages)
        for (const item of page.Items ?? []) items.push(strip(item) as WebhookEndpoint);
    } catch (error) {
      translateDynamoError(error);
    }
    return items;
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    // An id newEndpoint cannot have made is not looked up (a key over DynamoDB's limit is a 400).
    if (!ENDPOINT_ID.test(id)) return undefined;
    const { Item } = await this.client
      .send(
        new GetCommand({ TableName: this.tableName, Key: endpointKey(id), ConsistentRead: true }),
      )
      .catch(translateDynamoError);
    return Item ? (strip(Item) as WebhookEndpoint) : undefined;
  }

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...endpointKey(endpoint.id), entity: 'webhook-endpoint', ...endpoint },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      )
      .catch(translateDynamoError);
  }

  saveEndpoint(next: WebhookEndpoint): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...endpointKey(next.id), entity: 'webhook-endpoint', ...next },
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':previous': next.version - 1 },
        }),
      ),
    );
  }

  async deleteEndpoint(id: string): Promise<void> {
    // Its deliveries first: a failure half-way leaves the endpoint, so the editor's retry finishes.
    for (const delivery of await this.deliveriesOf(id, Infinity))
      await this.client
        .send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: deliveryKey(id, delivery.eventId),
          }),
        )
        .catch(translateDynamoError);
    await this.client
      .send(new DeleteCommand({ TableName: this.tableName, Key: endpointKey(id) }))
      .catch(translateDynamoError);
  }

  async addDeliveries(deliveries: WebhookDelivery[]): Promise<void> {
    // One there already is this very event, written by an earlier try (an SES event retried):
    // it is left as it is, delivered or not.
    await Promise.all(
      deliveries.map((d) =>
        conditionally(
          this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: this.itemOf(d),
              ConditionExpression: 'attribute_not_exists(PK)',
            }),
          ),
        ),
      ),
    );
  }

  async getDelivery(endpointId: string, eventId: string): Promise<WebhookDelivery | undefined> {
    const { Item } = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: deliveryKey(endpointId, eventId),
          ConsistentRead: true,
        }),
      )
      .catch(translateDynamoError);
    return Item ? (strip(Item) as WebhookDelivery) : undefined;
  }

  saveDelivery(next: WebhookDelivery): Promise<boolean> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.itemOf(next),
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':previous': next.version - 1 },
        }),
      ),
    );
  }

  async due(now: Date, limit: number): Promise<WebhookDelivery[]> {
    const { Items = [] } = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: tableKeys.outboxIndex,
          KeyConditionExpression: `${tableKeys.outboxPartitionKey} = :pk AND ${tableKeys.outboxSortKey} <= :upTo`,
          ExpressionAttributeValues: { ':pk': DUE, ':upTo': `${now.toISOString()}#~` },
          Limit: limit,
        }),
      )
      .catch(translateDynamoError);
    return Items.map((item) => strip(item) as WebhookDelivery);
  }

  async deliveriesOf(endpointId: string, limit: number): Promise<WebhookDelivery[]> {
    const items: WebhookDelivery[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :delivery)',
        ExpressionAttributeValues: { ':pk': `WEBHOOK#${endpointId}`, ':delivery': 'DELIVERY#' },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
    );
    try {
      for await (const page of pages) {
        for (const item of page.Items ?? []) items.push(strip(item) as WebhookDelivery);
        if (items.length >= limit) break;
      }
    } catch (error) {
      translateDynamoError(error);
    }
    return items.slice(0, limit);
  }

  private itemOf(d: WebhookDelivery) {
    const due = d.state === 'queued' || d.state === 'delivering';
    const base = Date.parse(d.deliveredAt ?? d.failedAt ?? d.createdAt) / 1000;
    return {
      ...deliveryKey(d.endpointId, d.eventId),
      entity: 'webhook-delivery',
      ...(due ? { GSI2PK: DUE, GSI2SK: `${d.dueAt}#${d.endpointId}#${d.eventId}` } : {}),
      ...(due
        ? {}
        : {
            [tableKeys.ttl]:
              Math.floor(base) + (d.state === 'delivered' ? DELIVERED_TTL_S : FAILED_TTL_S),
          }),
      ...d,
    };
  }
}
