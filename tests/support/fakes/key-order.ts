/**
 * How DynamoDB orders sort keys: by their bytes, not by locale (`localeCompare` puts "d…" before
 * "K…", DynamoDB the other way round). The fakes page and search in the same order, so a worker
 * meets readers in the order it would on DynamoDB. Ids here are ASCII, where code units are bytes.
 */
export function keyOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
