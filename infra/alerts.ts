import { readDeploySettings } from './settings.js';

const settings = readDeploySettings(process.env);

/**
 * Where the deployment's alarms go: one SNS topic, mailed to DISPATCH_ALERT_EMAIL when it is set
 * (AWS first sends that address a confirmation link; nothing arrives until it is followed).
 * Unset, the alarms still change state in CloudWatch and the topic takes other subscribers.
 */
export const alerts = new sst.aws.SnsTopic('Alerts');

if (settings.alertEmail)
  new aws.sns.TopicSubscription('AlertsEmail', {
    topic: alerts.arn,
    protocol: 'email',
    endpoint: settings.alertEmail,
  });
