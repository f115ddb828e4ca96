/**
 * `npm start`: the whole service on one machine. Data persists under `.data/` (DATA_DIR).
 * PORT (3000), DYNAMODB_PORT (8000) and SES_PORT (8005) move the listeners; AWS_ENDPOINT_URL_*
 * already set point the app elsewhere and skip that emulator.
 */
import { scheduleDefinitions } from '../infra/schedule-definitions.js';
import { startLocalStack } from './stack.js';

const stack = await startLocalStack({ persist: true, schedules: true });
const lines = [
  '',
  `  ${stack.deps.publication.name} is running locally`,
  '',
  `  Signup page        ${stack.appUrl}/`,
  `  JSON API           ${stack.appUrl}/api/subscribe`,
  `  Articles           ${stack.appUrl}/articles`,
  `  Embeddable form    ${stack.appUrl}/embed`,
  `  Feeds              ${stack.appUrl}/feed.xml (RSS), ${stack.appUrl}/atom.xml (Atom)`,
  `  Editors' workspace ${stack.appUrl}/admin   (a key: npm run keys -- create --name "Your name" --email you@example.org --role editor)`,
  `  Admin API          ${stack.appUrl}/api/admin/docs`,
  `  Inbox viewer       ${stack.inboxUrl ?? `(SES at ${stack.sesEndpoint}, not started here)`}`,
  `  DynamoDB           ${stack.dynamodbEndpoint} (table ${stack.env.TABLE_NAME}; local data in ${stack.dataDir})`,
  `  Raw MIME outbox    ${stack.env.OUTBOX_DIR}`,
  `  Schedules          ${Object.entries(scheduleDefinitions)
    .map(([name, s]) => `${name} ${s.expression}`)
    .join(', ')}`,
  '',
  '  Send an article:   npm run send -- <article-slug>   (in another terminal)',
  '  Stop:              Ctrl-C',
  '',
];
console.log(lines.join('\n'));

const stop = async () => {
  await stack.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
