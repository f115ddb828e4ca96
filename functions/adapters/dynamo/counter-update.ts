/**
 * The `ADD` of a counters' update: each field given (and not zero) by its placeholder, so any
 * name (several are reserved words) is safe. Undefined when there is nothing to add.
 */
export function addCounters(change: Record<string, number | undefined>) {
  const fields = Object.entries(change).filter(([, v]) => v);
  if (fields.length === 0) return undefined;
  return {
    expression: `ADD ${fields.map(([f]) => `#${f} :${f}`).join(', ')}`,
    names: Object.fromEntries(fields.map(([f]) => [`#${f}`, f])),
    values: Object.fromEntries(fields.map(([f, v]) => [`:${f}`, v])),
  };
}
