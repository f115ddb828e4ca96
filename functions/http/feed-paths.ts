/** Where the feeds live; pages link to them without loading the feed library (see feeds-app.ts). */
export const FEED_PATHS = { rss: '/feed.xml', atom: '/atom.xml' } as const;
export type FeedFormat = keyof typeof FEED_PATHS;
