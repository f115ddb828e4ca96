import type { Logger } from '../../functions/logger.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

/**
 * The local stack as `npm start` builds it, on free ports, with in-memory DynamoDB and a fresh
 * data folder: the same code paths, isolated per test file.
 */
export async function startTestStack(
  extraEnv: Record<string, string> = {},
  options: { outbox?: boolean; fleet?: boolean; sesEvents?: boolean; logger?: Logger } = {},
): Promise<LocalStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dispatch-test-'));
  // Vitest puts Vite's BASE_URL ('/') into process.env; the stack must choose its own.
  // A stack started earlier in this process left its endpoints in process.env: start fresh ones.
  // Most tests sign up many addresses from one IP: the signup rate limits are lifted unless a test
  // sets them (tests/security/ does).
  // So are the limits on failed keys and tokens (the fuzzers present thousands); guessing.test.ts
  // sets its own.
  const limits = {
    SIGNUP_LIMIT_PER_IP_PER_HOUR: '0',
    SIGNUP_LIMIT_PER_ADDRESS_PER_HOUR: '0',
    KEY_FAILURES_PER_15_MIN: '0',
    TOKEN_FAILURES_PER_15_MIN: '0',
  };
  const env = {
    ...process.env,
    BASE_URL: undefined,
    AWS_ENDPOINT_URL_DYNAMODB: undefined,
    AWS_ENDPOINT_URL_SES: undefined,
    AWS_ENDPOINT_URL_S3: undefined,
    DATA_DIR: dataDir,
    PORT: '0',
    DYNAMODB_PORT: '0',
    SES_PORT: '0',
    S3_PORT: '0',
    ...limits,
    ...extraEnv,
  };
  const stack = await startLocalStack({ env, persist: false, schedules: false, ...options });
  stacks.set(stack.sesEndpoint, stack);
  return stack;
}

/** Test stacks by their SES endpoint, so `emailsTo` can let their outbox settle first. */
const stacks = new Map<string, LocalStack>();

export type StoredEmail = {
  messageId: string;
  subject: string;
  destination: { to: string[] };
  body: { html?: string; text?: string };
};

/**
 * What the SES emulator received, as its inbox viewer shows it, once the stack's outbox has sent
 * what was due: requests only queue their emails, and the sender is a moment behind.
 */
export async function emailsTo(sesEndpoint: string, address: string): Promise<StoredEmail[]> {
  await stacks.get(sesEndpoint)?.outbox?.settled();
  const response = await fetch(`${sesEndpoint}/store`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  return emails.filter((e) => e.destination.to.some((to) => to.includes(address)));
}

/** The exact MIME the app handed to SES, kept by the local outbox. */
export async function rawMessage(
  stack: LocalStack,
  messageId: string,
): Promise<{ raw: string; parsed: ParsedMail }> {
  const raw = await readFile(join(stack.env.OUTBOX_DIR!, `${messageId}.eml`), 'utf8');
  return { raw, parsed: await simpleParser(raw) };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A header's value exactly as sent (unfolded); mailparser folds List-* headers into one object. */
export function headerValue(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/** Confirmed subscribers straight into the table (the signup path has its own tests). */
export async function seedReaders(
  stack: LocalStack,
  count: number,
  make: (i: number) => import('../../functions/core/subscribers/subscriber.js').Subscriber,
) {
  const readers = Array.from({ length: count }, (_, i) => make(i));
  for (let i = 0; i < readers.length; i += 50)
    await Promise.all(readers.slice(i, i + 50).map((r) => stack.deps.subscribers.create(r)));
  return readers;
}
