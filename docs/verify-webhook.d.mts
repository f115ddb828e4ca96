/** The types of docs/verify-webhook.mjs, for the tests that use it as a receiver would. */
export function verifyDispatchSignature(
  secret: string,
  header: string,
  body: string,
  now?: number,
): boolean;
