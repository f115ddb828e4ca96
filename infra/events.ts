import { api } from './api.js';
import { defaultBusArn, email } from './email.js';
import { functionArgs } from './function-args.js';

/**
 * SES events of this stage's configuration set (bounces, complaints, deliveries, opens, clicks),
 * published to the default event bus by infra/email.ts, routed to the `ses-events` function.
 * The pattern names the configuration set, so two stages in one account never see each other's.
 */
export const sesEvents = sst.aws.Bus.subscribe(
  'SesEvents',
  defaultBusArn,
  functionArgs('sesEvents', { baseUrl: api.url }),
  {
    pattern: {
      source: ['aws.ses'],
      detail: { mail: { tags: { 'ses:configuration-set': [email.configSet] } } },
    },
  },
);
