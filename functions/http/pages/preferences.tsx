import type { FieldIssue } from '../../core/errors.js';
import type { Publication } from '../../core/publication.js';
import { publicFields } from '../../core/subscribers/fields.js';
import {
  Frequencies,
  frequencyLabels,
  type Subscriber,
} from '../../core/subscribers/subscriber.js';
import { MessagePage } from './layout.js';
import { FieldInputs } from './reader-fields.js';

/** A reader's name, public fields, topics and frequency, with the field errors of a refused save beside each. */
export function PreferencesPage(props: {
  publication: Publication;
  reader: Subscriber;
  token: string;
  unsubscribePath: string;
  notice?: string;
  issues?: FieldIssue[];
}) {
  const subscribed = props.reader.state === 'confirmed' || props.reader.state === 'pending';
  const errorsFor = (field: string) =>
    props.issues
      ?.filter((i) => i.field.startsWith(field))
      .map((i) => i.message)
      .join('; ');
  // A problem with nothing on the page to show it beside (a field the page does not offer).
  const shown = new Set([
    'name',
    ...publicFields(props.publication.fields).map((f) => `fields.${f.key}`),
  ]);
  const unplaced = (props.issues ?? []).filter(
    (i) => !shown.has(i.field) && !/^(topics|frequency)\b/.test(i.field),
  );
  return (
    <MessagePage publication={props.publication} title="Your preferences">
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <p>Preferences for {maskEmail(props.reader.email)}.</p>
      {unplaced.length > 0 ? (
        <p class="notice problem" role="alert">
          Not saved: {unplaced.map((i) => `${i.field} ${i.message}`).join('; ')}.
        </p>
      ) : null}
      {props.reader.state === 'unsubscribed' ? (
        <div class="notice">
          <p>You are unsubscribed and receive nothing from us.</p>
          <form method="post" action={`/preferences/${props.token}/resubscribe`}>
            <button type="submit">Resubscribe</button>
          </form>
        </div>
      ) : null}
      {props.reader.state === 'bounced' || props.reader.state === 'complained' ? (
        <p class="notice">
          Mail to this address bounced or was reported as spam, so we no longer send to it.
        </p>
      ) : null}
      <form class="stack" method="post" action={`/preferences/${props.token}`}>
        <FieldInputs
          fields={publicFields(props.publication.fields)}
          values={props.reader}
          issues={props.issues}
        />
        <fieldset>
          <legend>Topics</legend>
          {props.publication.topics.map((topic) => (
            <label>
              <input
                type="checkbox"
                name="topics"
                value={topic.id}
                checked={props.reader.topics.includes(topic.id)}
              />
              {topic.label}
            </label>
          ))}
          {errorsFor('topics') ? (
            <p class="error" role="alert">
              Topics: {errorsFor('topics')}.
            </p>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>How often</legend>
          {Object.values(Frequencies).map((value) => (
            <label>
              <input
                type="radio"
                name="frequency"
                value={value}
                checked={props.reader.frequency === value}
              />
              {frequencyLabels[value]}
            </label>
          ))}
          {errorsFor('frequency') ? (
            <p class="error" role="alert">
              Frequency: {errorsFor('frequency')}.
            </p>
          ) : null}
        </fieldset>
        <button type="submit">Save preferences</button>
      </form>
      {subscribed ? (
        <form method="post" action={props.unsubscribePath}>
          <input type="hidden" name="List-Unsubscribe" value="One-Click" />
          <button type="submit" class="secondary">
            Unsubscribe from everything
          </button>
        </form>
      ) : null}
    </MessagePage>
  );
}

/** Enough of the address for a reader to recognise it, not enough for a shoulder-surfer. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 2)}${'•'.repeat(Math.max(1, Math.min(6, local.length - 2)))}@${domain}`;
}
