/**
 * A loopback SQS for the SQS adapters' contract tests: the AWS JSON 1.0 protocol the SDK
 * speaks (SendMessage, SendMessageBatch, ReceiveMessage with a visibility timeout, DeleteMessage,
 * GetQueueAttributes), one queue per URL path, MD5 of each body as SQS computes it (the SDK
 * checks it). No emulator of SQS ships with the project's packages; this is the part it uses.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

type Message = {
  MessageId: string;
  Body: string;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
  SentTimestamp: number;
  visibleAt: number;
  receipt?: string;
};

/** The request fields of the actions, as the SDK sends them. */
type Input = {
  QueueUrl: string;
  MessageBody?: string;
  Entries?: { Id: string; MessageBody: string }[];
  MessageAttributes?: Message['MessageAttributes'];
  MaxNumberOfMessages?: number;
  VisibilityTimeout?: number;
  ReceiptHandle?: string;
};

export type SqsEmulator = { url: string; queueUrl(name: string): string; close(): Promise<void> };

export async function startSqsEmulator(): Promise<SqsEmulator> {
  const queues = new Map<string, Message[]>();
  const queueOf = (url: string) => {
    const path = new URL(url).pathname;
    if (!queues.has(path)) queues.set(path, []);
    return queues.get(path)!;
  };
  const send = (queueUrl: string, body: string, attributes?: Message['MessageAttributes']) => {
    const message: Message = {
      MessageId: randomUUID(),
      Body: body,
      MessageAttributes: attributes,
      SentTimestamp: Date.now(),
      visibleAt: 0,
    };
    queueOf(queueUrl).push(message);
    return { MessageId: message.MessageId, MD5OfMessageBody: md5(message.Body) };
  };
  const actions: Record<string, (input: Input) => unknown> = {
    SendMessage: (input) => send(input.QueueUrl, input.MessageBody ?? '', input.MessageAttributes),
    SendMessageBatch(input) {
      const entries = input.Entries ?? [];
      // SQS's own limit: a batch of more than ten is refused whole.
      if (entries.length === 0 || entries.length > 10)
        throw new Error('TooManyEntriesInBatchRequest');
      return {
        Successful: entries.map((e) => ({ Id: e.Id, ...send(input.QueueUrl, e.MessageBody) })),
        Failed: [],
      };
    },
    ReceiveMessage(input) {
      const now = Date.now();
      const visible = queueOf(input.QueueUrl)
        .filter((m) => m.visibleAt <= now)
        .slice(0, input.MaxNumberOfMessages ?? 1);
      for (const m of visible) {
        m.visibleAt = now + (input.VisibilityTimeout ?? 30) * 1000;
        m.receipt = randomUUID();
      }
      return {
        Messages: visible.map((m) => ({
          MessageId: m.MessageId,
          ReceiptHandle: m.receipt,
          Body: m.Body,
          MD5OfBody: md5(m.Body),
          Attributes: { SentTimestamp: String(m.SentTimestamp) },
          ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
        })),
      };
    },
    DeleteMessage(input) {
      const queue = queueOf(input.QueueUrl);
      const index = queue.findIndex((m) => m.receipt === input.ReceiptHandle);
      if (index >= 0) queue.splice(index, 1);
      return {};
    },
    GetQueueAttributes(input) {
      const now = Date.now();
      const queue = queueOf(input.QueueUrl);
      const visible = queue.filter((m) => m.visibleAt <= now).length;
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(visible),
          ApproximateNumberOfMessagesNotVisible: String(queue.length - visible),
        },
      };
    },
  };
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const action = String(request.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
    const handler = actions[action];
    response.setHeader('content-type', 'application/x-amz-json-1.0');
    if (!handler) {
      response.statusCode = 400;
      response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: action }));
      return;
    }
    try {
      response.end(JSON.stringify(handler(JSON.parse(body || '{}') as Input)));
    } catch (error) {
      response.statusCode = 400;
      const type = (error as Error).message;
      response.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message: type }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    queueUrl: (name) => `${url}/123456789012/${name}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
