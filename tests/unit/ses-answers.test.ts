/**
 * What each SES answer proves, through the real SES client against a loopback server that gives
 * that answer (docs/sending.md, "What each SES answer proves"). Only an answer proving SES did not
 * take the message may be retried, released or failed; anything else is `unknown`, never resent.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesMailer } from '../../functions/adapters/ses/ses-mailer.js';
import { MailFailure, type MailFailureKind } from '../../functions/core/ports.js';
import { freePort } from '../support/emulators.js';
import { quietLogger } from '../support/logger.js';

type Answer = (res: ServerResponse) => void;
const sesError =
  (status: number, code: string, message: string, type = 'Sender'): Answer =>
  (res) => {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
    );
  };

const cases: [string, Answer, MailFailureKind][] = [
  [
    'Throttling: Maximum sending rate exceeded',
    sesError(400, 'Throttling', 'Maximum sending rate exceeded.'),
    'throttled',
  ],
  [
    'Throttling: Daily message quota exceeded',
    sesError(400, 'Throttling', 'Daily message quota exceeded.'),
    'quota_exceeded',
  ],
  [
    'MessageRejected',
    sesError(400, 'MessageRejected', 'Email address is not verified.'),
    'rejected',
  ],
  [
    'InvalidParameterValue',
    sesError(400, 'InvalidParameterValue', 'Missing final @domain'),
    'rejected',
  ],
  [
    'AccountSendingPausedException',
    sesError(
      400,
      'AccountSendingPausedException',
      'Email sending is disabled for your entire Amazon SES account.',
    ),
    'account_paused',
  ],
  [
    'ConfigurationSetSendingPausedException',
    sesError(
      400,
      'ConfigurationSetSendingPausedException',
      'Email sending is disabled for the configuration set.',
    ),
    'account_paused',
  ],
  [
    'ConfigurationSetDoesNotExistException',
    sesError(400, 'ConfigurationSetDoesNotExist', 'Configuration set x does not exist.'),
    'account_paused',
  ],
  [
    'MailFromDomainNotVerifiedException',
    sesError(400, 'MailFromDomainNotVerifiedException', 'The MAIL FROM domain is not verified.'),
    'account_paused',
  ],
  [
    '403 SignatureDoesNotMatch',
    sesError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match.'),
    'account_paused',
  ],
  [
    '500 InternalFailure',
    sesError(500, 'InternalFailure', 'An internal error occurred.', 'Receiver'),
    'unknown',
  ],
  [
    '503 ServiceUnavailable',
    sesError(503, 'ServiceUnavailable', 'Service unavailable.', 'Receiver'),
    'unknown',
  ],
  ['200 with a body that is not SES XML', (res) => res.end('<html>proxy</html>'), 'unknown'],
  ['a reset after the request was written', (res) => res.socket?.destroy(), 'unknown'],
  ['no answer within the request timeout', () => {}, 'unknown'],
];

let server: Server;
let answer: Answer = () => {};
const mailerAt = (endpoint: string) =>
  new SesMailer({
    from: { name: 'N', address: 'news@example.org' },
    logger: quietLogger(),
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      requestHandler: { connectionTimeout: 300, requestTimeout: 300, throwOnRequestTimeout: true },
    },
  });
const message = { to: 'reader@example.com', subject: 'S', html: '<p>h</p>', text: 't' };
const kindOf = (mailer: SesMailer) =>
  mailer.send(message).then(
    () => 'accepted',
    (error: unknown) => (error instanceof MailFailure ? error.kind : `not a MailFailure: ${error}`),
  );

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('what each SES answer proves', () => {
  it.each(cases)('%s', async (_name, given, kind) => {
    answer = given;
    const { port } = server.address() as AddressInfo;
    expect(await kindOf(mailerAt(`http://127.0.0.1:${port}`))).toBe(kind);
  });

  it('a refused connection: nothing was written, so it is retried (transient)', async () => {
    expect(await kindOf(mailerAt(`http://127.0.0.1:${await freePort()}`))).toBe('transient');
  });
});
