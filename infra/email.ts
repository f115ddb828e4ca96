import { readDeploySettings } from './settings.js';

const settings = readDeploySettings(process.env);

/**
 * The SES event types sent to EventBridge (and on to the `ses-events` function, infra/events.ts):
 * the ones `functions/core/events/ses-events.ts` acts on. Bounces and complaints suppress
 * addresses; deliveries, opens and clicks are counted per issue; `send` is an outbox email's
 * receipt, settling a claim its sender could not (only outbox-tagged sends reach the function:
 * an issue's would double its invocations for nothing, the send ledger records those). Not
 * `rendering-failure` (no SES templates here). Publishing opens and clicks is what turns on SES's
 * tracking pixel and its rewriting of links in the HTML part (not the List-Unsubscribe header).
 */
export const sesEventTypes = [
  'send',
  'reject',
  'bounce',
  'complaint',
  'delivery',
  'delivery-delay',
  'open',
  'click',
] as const;

const region = aws.getRegionOutput().region;
const account = aws.getCallerIdentityOutput().accountId;
/** SES publishes to the account's default event bus; only there can a configuration set send. */
export const defaultBusArn = $interpolate`arn:aws:events:${region}:${account}:event-bus/default`;

/**
 * The configuration set's own guards, on top of the app's suppression list (which the ses-events
 * function keeps): SES itself refuses to send to an address on the account's suppression list for
 * a bounce or a complaint, so an address suppressed by SES but not yet by the app (an event still
 * in flight, a dead letter not replayed) is never mailed again. Reputation metrics on: SES then
 * publishes this configuration set's bounce and complaint rates too (the account-wide ones, which
 * SES reviews, are what the alarms watch: infra/alarms.ts).
 */
export const configurationSetOptions = (args: aws.sesv2.ConfigurationSetArgs): undefined => {
  args.suppressionOptions = { suppressedReasons: ['BOUNCE', 'COMPLAINT'] };
  args.reputationOptions = { reputationMetricsEnabled: true };
};

/**
 * The sending domain: SES identity with Easy DKIM (the CNAME records), a DMARC record, a custom
 * MAIL FROM subdomain (SPF aligned with the domain, bounces routed through it), all written to the
 * domain's Route 53 zone; and the configuration set every message names (SES_CONFIGURATION_SET),
 * whose event destination is EventBridge. DMARC asks receivers to quarantine what fails: with
 * DKIM and SPF aligned, only forgeries do.
 */
export const email = new sst.aws.Email('Email', {
  sender: settings.domain,
  dmarc: `v=DMARC1; p=quarantine; adkim=r; aspf=r;`,
  mailFrom: { domain: `bounce.${settings.domain}` },
  events: [{ name: 'ToEventBridge', types: [...sesEventTypes], bus: defaultBusArn }],
  transform: { configurationSet: configurationSetOptions },
});

/** The ARNs a sender is authorized on: SES checks both the From identity and the configuration set. */
export const sendingResources = [email.nodes.identity.arn, email.nodes.configurationSet.arn];
