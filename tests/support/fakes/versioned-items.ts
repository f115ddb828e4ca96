/**
 * Records under the adapters' optimistic locking, in a Map: a create lands only where no record
 * has the id, a save only over the version it was made from (`version - 1`). Reads and writes
 * copy, so a caller never holds the stored object, as with a real table.
 */
export class VersionedItems<T extends { id: string; version: number }> {
  readonly items = new Map<string, T>();

  async get(id: string): Promise<T | undefined> {
    const item = this.items.get(id);
    return item && structuredClone(item);
  }

  async create(item: T): Promise<boolean> {
    return this.write(item, (current) => current === undefined);
  }

  async save(next: T): Promise<boolean> {
    return this.write(next, (current) => current?.version === next.version - 1);
  }

  /** Runs after each write that landed, with the record it replaced (none for a create). */
  protected written(_before: T | undefined, _after: T) {}

  private write(next: T, holds: (current: T | undefined) => boolean) {
    const before = this.items.get(next.id);
    if (!holds(before)) return false;
    this.items.set(next.id, structuredClone(next));
    this.written(before, next);
    return true;
  }
}
