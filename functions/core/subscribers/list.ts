import * as z from 'zod';
import type { Directory, Page } from '../ports.js';
import type { Publication } from '../publication.js';
import { parseInput } from './input.js';
import { Frequencies, SubscriberStates, type Subscriber } from './subscriber.js';

const states = Object.values(SubscriberStates) as [string, ...string[]];
const frequencies = Object.values(Frequencies) as [string, ...string[]];

/** What an editor may ask of the subscriber list; from a URL, so each field is checked (422 naming it). */
export const listQuerySchema = (topics: string[]) =>
  z.object({
    state: z.enum(states, { message: `must be one of ${states.join(', ')}` }).optional(),
    topic: z
      .string()
      .refine((t) => topics.includes(t), {
        message: `must be a known topic (${topics.join(', ')})`,
      })
      .optional(),
    frequency: z
      .enum(frequencies, { message: `must be one of ${frequencies.join(', ')}` })
      .optional(),
    prefix: z.string().trim().toLowerCase().max(320, 'is longer than 320 characters').optional(),
    contains: z.string().trim().toLowerCase().max(320, 'is longer than 320 characters').optional(),
    cursor: z.string().max(2000).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  });

/**
 * A page of subscribers by state, topic, frequency, address prefix and text in the address, in
 * address order. Empty
 * fields (a form's "any") ask nothing. Served by the directory's index, never a Scan.
 */
export function listSubscribers(
  deps: { directory: Directory; publication: Publication },
  input: Record<string, unknown>,
): Promise<Page<Subscriber>> {
  const given = Object.fromEntries(
    Object.entries(input).filter(([, v]) => v !== undefined && v !== ''),
  );
  const query = parseInput(listQuerySchema(deps.publication.topics.map((t) => t.id)), given);
  return deps.directory.list(query as Parameters<Directory['list']>[0]);
}
