import type {
  SignupReads,
  SubscriberRepository,
  SuppressionList,
} from '../../../functions/core/ports.js';

/** The two reads side by side: in memory nothing is saved by batching them. */
export function memorySignupReads(
  subscribers: Pick<SubscriberRepository, 'get'>,
  suppressions: Pick<SuppressionList, 'isSuppressed'>,
): SignupReads {
  return {
    read: async (id, email) => {
      const [stored, suppressed] = await Promise.all([
        subscribers.get(id),
        suppressions.isSuppressed(email),
      ]);
      return { stored, suppressed };
    },
  };
}
