/**
 * What the Lambda runtime provides (`@aws-sdk/client-s3`, `client-lambda`, `client-sqs`) is still
 * costly to load: Node's ESM loader reads each CommonJS package through its lexer, ~30-60 ms
 * apiece, in every cold start, though most invocations never call S3, Lambda or SQS. Adapters for
 * those services load their package here on first use instead, as SesMailer does for SES.
 */

/** The value `make` resolves to, made on the first call and kept; a failed attempt is not kept. */
export function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    if (!made) {
      const making = make();
      making.catch(() => {
        if (made === making) made = undefined;
      });
      made = making;
    }
    return made;
  };
}

/** An SDK client, or how to build one when first needed (tests hand in a built one). */
export type ClientSource<C extends object> = C | (() => Promise<C>);

export const clientOf = <C extends object>(source: ClientSource<C>): (() => Promise<C>) =>
  typeof source === 'function' ? onFirstUse(source) : () => Promise.resolve(source);
