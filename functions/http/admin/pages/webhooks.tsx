import type { WebhookDelivery } from '../../../core/webhooks/delivery.js';
import {
  type EndpointView,
  type WebhookEventType,
  WebhookEventTypes,
} from '../../../core/webhooks/endpoint.js';
import { Csrf } from '../layout.js';
import { FormProblems, invalid, type Refused } from './form-problems.js';
import { Badge, When } from './when.js';

export const eventLabels: Record<WebhookEventType, string> = {
  'reader.created': 'A reader signs up or is added',
  'reader.confirmed': 'A reader confirms',
  'reader.unsubscribed': 'A reader unsubscribes',
  'reader.preferences_changed': 'A reader changes topics or frequency',
  'reader.erased': 'A reader is erased',
  'email.sent': 'SES accepts an email to a reader',
  'email.delivered': 'An email is delivered',
  'email.bounced': 'An email bounces',
  'email.complained': 'A reader reports an email as spam',
  'email.opened': 'An email is opened',
  'email.clicked': 'A link in an email is clicked',
  'issue.started': 'An issue starts sending',
  'issue.sent': 'An issue has been sent to everyone',
};

const labels = { url: 'URL', events: 'Events', description: 'Description' };

/** The endpoints, and the form that registers one. */
export function WebhookList(props: {
  endpoints: EndpointView[];
  csrf: string;
  notice: string | undefined;
  refused?: Refused | undefined;
}) {
  const { refused } = props;
  const chosen = refused ? Object.keys(refused.input).filter((k) => k.startsWith('event-')) : [];
  return (
    <>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <p>
        Each event below is POSTed to the endpoints that asked for it, signed with the endpoint's
        secret, and retried for a day; an endpoint that keeps failing is disabled, and its missed
        deliveries can be replayed. How a receiver checks a delivery: docs/webhooks.md.
      </p>
      {props.endpoints.length === 0 ? (
        <p>No endpoints yet.</p>
      ) : (
        <div>
          <table>
            <thead>
              <tr>
                <th>URL</th>
                <th>Events</th>
                <th>State</th>
                <th>Since</th>
              </tr>
            </thead>
            <tbody>
              {props.endpoints.map((e) => (
                <tr>
                  <td>
                    <a href={`/admin/webhooks/${e.id}`}>{e.url}</a>
                    {e.description ? <div>{e.description}</div> : null}
                  </td>
                  <td>{e.events.join(', ')}</td>
                  <td>
                    <Badge state={e.state} />
                    {e.disabledReason ? <div>{e.disabledReason}</div> : null}
                  </td>
                  <td>
                    <When at={e.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Register an endpoint</h2>
      <form method="post" action="/admin/webhooks">
        <Csrf token={props.csrf} />
        <FormProblems
          refused={refused}
          what="Not registered"
          labels={labels}
          id="webhook-problems"
        />
        <label for="webhook-url">URL</label>
        <input
          id="webhook-url"
          name="url"
          type="url"
          required
          value={refused?.input.url ?? ''}
          aria-invalid={invalid(refused, 'url')}
          aria-describedby={refused ? 'webhook-problems' : undefined}
        />
        <fieldset aria-invalid={invalid(refused, 'events')}>
          <legend>Events</legend>
          {WebhookEventTypes.map((type) => (
            <label>
              <input
                type="checkbox"
                name={`event-${type}`}
                value="1"
                // Email events come one per email: asked for, not offered by default.
                checked={refused ? chosen.includes(`event-${type}`) : type.startsWith('reader.')}
              />{' '}
              {eventLabels[type]} (<code>{type}</code>)
            </label>
          ))}
        </fieldset>
        <label for="webhook-description">Description (optional)</label>
        <input
          id="webhook-description"
          name="description"
          maxlength={200}
          value={refused?.input.description ?? ''}
        />
        <button type="submit">Register</button>
      </form>
    </>
  );
}

/** The one page that shows an endpoint's secret: right after it was registered. */
export function WebhookCreated(props: { endpoint: EndpointView; secret: string }) {
  return (
    <>
      <p class="notice" role="status">
        Registered {props.endpoint.url}. Copy its signing secret now: it is not shown again.
      </p>
      <label for="webhook-secret">Signing secret</label>
      <input id="webhook-secret" readonly value={props.secret} />
      <p>
        The receiver checks each delivery's <code>Dispatch-Signature</code> with it (the code is in
        docs/webhooks.md). Lost, it cannot be read back: remove the endpoint and register another.
      </p>
      <p>
        <a href={`/admin/webhooks/${props.endpoint.id}`}>The endpoint and its deliveries</a>
      </p>
    </>
  );
}

/** One endpoint: its state and why, its latest deliveries, replay and remove. */
export function WebhookPage(props: {
  endpoint: EndpointView;
  deliveries: WebhookDelivery[];
  csrf: string;
  notice: string | undefined;
}) {
  const { endpoint: e, deliveries } = props;
  const given = deliveries.filter((d) => d.state === 'failed').length;
  return (
    <>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <dl>
        <dt>URL</dt>
        <dd>{e.url}</dd>
        <dt>Events</dt>
        <dd>{e.events.join(', ')}</dd>
        <dt>State</dt>
        <dd>
          <Badge state={e.state} />
          {e.disabledReason ? (
            <>
              {' '}
              {e.disabledReason} (<When at={e.disabledAt} />)
            </>
          ) : null}
        </dd>
        <dt>Failed attempts in a row</dt>
        <dd>
          {e.consecutiveFailures}
          {e.lastFailure ? `; the last: ${e.lastFailure}` : ''}
        </dd>
      </dl>
      <div class="actions">
        <form method="post" action={`/admin/webhooks/${e.id}/replay`}>
          <Csrf token={props.csrf} />
          <button type="submit">
            {e.state === 'disabled' ? 'Enable and replay' : 'Replay'} {given} given-up{' '}
            {given === 1 ? 'delivery' : 'deliveries'}
          </button>
        </form>
        <form method="post" action={`/admin/webhooks/${e.id}/remove`}>
          <Csrf token={props.csrf} />
          <button type="submit" class="danger">
            Remove this endpoint
          </button>
        </form>
      </div>
      <h2>Latest deliveries</h2>
      {deliveries.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <div>
          <table>
            <thead>
              <tr>
                <th>Event</th>
                <th>State</th>
                <th>Attempts</th>
                <th>Last answer</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr>
                  <td>
                    {d.type}
                    <div>
                      <code>{d.eventId}</code>
                    </div>
                  </td>
                  <td>
                    <Badge state={d.state} />
                    {d.state === 'failed' && d.reason ? <div>{d.reason}</div> : null}
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.lastResult ?? ''}</td>
                  <td>
                    <When at={d.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
