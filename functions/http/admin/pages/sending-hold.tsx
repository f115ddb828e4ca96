import type { SendingHold } from '../../../core/issues/sending-hold.js';
import { ActionButton } from '../layout.js';
import { When } from './when.js';

/**
 * The sending hold, on the dashboard and every issue's page while it is set: which alarm, since
 * when, CloudWatch's reason, what to do, and the button that clears it (which asks first).
 */
export function HoldNotice(props: { hold: SendingHold | undefined; csrf: string }) {
  const { hold } = props;
  if (!hold) return null;
  return (
    <div class="error" role="alert" data-testid="sending-hold">
      <p>
        <strong>Sending is held</strong> by the alarm <code>{hold.alarm}</code> since{' '}
        <When at={hold.since} />: {hold.reason}
      </p>
      <p>
        No issue, digest or approved article starts sending while it is held: each is left paused
        with this reason. Confirmations and welcomes still go. Find the import or list that bounced
        or complained (docs/sending.md, “Alarms”), check the alarm is back to OK in CloudWatch, then
        clear the hold and resume each paused issue.
      </p>
      <ActionButton
        action="/admin/sending-hold/clear"
        csrf={props.csrf}
        label="Clear the sending hold…"
        kind="danger"
      />
    </div>
  );
}
