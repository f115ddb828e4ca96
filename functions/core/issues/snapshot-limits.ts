/**
 * An issue's snapshot keeps each article as one DynamoDB item (adapters/dynamo/dynamo-issue-snapshots.ts),
 * and an item holds at most 400 KB. What is kept is compressed; this is its bound, with room for
 * the keys. A workspace article (48 KiB of source at most) stays far below it; a `content/` file
 * has no cap of its own, so a very long one can pass it, and the issue pauses naming the article
 * rather than failing in every worker run.
 */
export const MAX_SNAPSHOT_ITEM_BYTES = 380_000;

/** An article too big to keep in an issue's snapshot, even compressed. */
export class ArticleTooLargeToKeep extends Error {
  override readonly name = 'ArticleTooLargeToKeep';
  constructor(
    readonly slug: string,
    readonly bytes: number,
  ) {
    super(
      `the article "${slug}" is ${bytes} bytes compressed, over the ${MAX_SNAPSHOT_ITEM_BYTES} an issue can keep`,
    );
  }
}
