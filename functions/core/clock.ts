/** Time as the domain sees it; tests pass a fixed clock. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };
