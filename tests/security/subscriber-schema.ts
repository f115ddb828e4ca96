import * as z from 'zod';
import { normalizeEmail } from '../../functions/core/email-address.js';
import { subscriberIdFor, type Subscriber } from '../../functions/core/subscribers/subscriber.js';

const isoDate = z.iso.datetime();
const singleLine = z.string().regex(/^[^\r\n\0]*$/, 'no line breaks or NUL');

/**
 * What a stored subscriber must look like, whatever reached the API: a normalized address whose
 * hash is the id, known states, topics and frequency, ISO timestamps, a positive version. The
 * fuzz tests re-read every record they caused and parse it with this.
 */
export function subscriberSchema(topicIds: readonly string[]) {
  return z
    .object({
      id: z.string().min(16),
      email: z
        .string()
        .max(254)
        .refine((e) => {
          const checked = normalizeEmail(e);
          return checked.ok && checked.email === e;
        }, 'must be a normalized address'),
      state: z.enum(['pending', 'confirmed', 'unsubscribed', 'bounced', 'complained']),
      topics: z
        .array(z.enum(topicIds as [string, ...string[]]))
        .min(1)
        .refine((t) => new Set(t).size === t.length, 'no duplicates'),
      frequency: z.enum(['immediate', 'daily', 'weekly']),
      // One trimmed line, never empty (an empty one is unset); fields few and small.
      name: z
        .string()
        .min(1)
        .max(100)
        .refine((n) => n === n.trim() && !/\p{Cc}|\u2028|\u2029/u.test(n), 'one trimmed line')
        .optional(),
      fields: z
        .record(
          z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
          z.union([z.string().max(500), z.number(), z.boolean()]),
        )
        .refine((f) => Object.keys(f).length > 0 && Object.keys(f).length <= 20, '1 to 20 fields')
        .optional(),
      consent: z.object({
        at: isoDate,
        form: z.enum(['hosted', 'embed', 'api', 'admin', 'import']),
        ip: singleLine.max(64).optional(),
        userAgent: singleLine.max(512).optional(),
        confirmedAt: isoDate.optional(),
        confirmIp: singleLine.max(64).optional(),
        confirmUserAgent: singleLine.max(512).optional(),
        source: z.string().max(1000).optional(),
      }),
      createdAt: isoDate,
      updatedAt: isoDate,
      confirmedAt: isoDate.optional(),
      unsubscribedAt: isoDate.optional(),
      confirmationSentAt: isoDate.optional(),
      confirmationWindowStart: isoDate.optional(),
      confirmationsInWindow: z.number().int().min(0).max(3).optional(),
      softBounces: z.number().int().min(0).optional(),
      suppressedAt: isoDate.optional(),
      version: z.number().int().min(1),
    })
    .loose()
    .refine((s) => s.id === subscriberIdFor(s.email), {
      message: 'id must be the hash of the address',
      path: ['id'],
    })
    .refine((s) => s.state !== 'confirmed' || s.confirmedAt !== undefined, {
      message: 'a confirmed reader has confirmedAt',
      path: ['confirmedAt'],
    }) satisfies z.ZodType<Subscriber, unknown>;
}
