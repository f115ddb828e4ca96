import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  unwrapDeadLetter,
  type DeadLetter,
  type DeadLetters,
  type SesEventEnvelope,
} from '../../core/events/dead-letters.js';

/** How long a listed message stays hidden from other readers: a replay's handling fits in it. */
const HOLD_SECONDS = 60;

/**
 * The dead-letter queue of `ses-events` (infra/dead-letters.ts), read by the operator's CLI only:
 * no Lambda is granted ReceiveMessage or DeleteMessage. A message whose body is neither envelope
 * is left in the queue (and counted) for a person to look at.
 */
export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly queueUrl: string,
    private readonly client = new SQSClient({}),
  ) {}

  /** As EventBridge's rule-target dead letter: the event as the body, the error as attributes. */
  async put(event: SesEventEnvelope, reason: string) {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(event),
        MessageAttributes: { ERROR_MESSAGE: { DataType: 'String', StringValue: reason } },
      }),
    );
  }

  async list(limit = 100): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    while (letters.length < limit) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, limit - letters.length),
          VisibilityTimeout: HOLD_SECONDS,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        const attributes = Object.fromEntries(
          Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]),
        );
        const unwrapped = unwrapDeadLetter(parsed(message.Body), attributes);
        const sent = message.Attributes?.SentTimestamp;
        if (unwrapped && message.MessageId && message.ReceiptHandle)
          letters.push({
            id: message.MessageId,
            handle: message.ReceiptHandle,
            ...unwrapped,
            failedAt: unwrapped.failedAt ?? (sent && new Date(Number(sent)).toISOString()),
          });
      }
    }
    return letters;
  }

  async delete(letter: DeadLetter) {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: letter.handle }),
    );
  }

  async count() {
    const { Attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }
}

function parsed(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
}
