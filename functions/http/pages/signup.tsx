import type { FieldIssue } from '../../core/errors.js';
import type { Publication } from '../../core/publication.js';
import { publicFields } from '../../core/subscribers/fields.js';
import { Frequencies, frequencyLabels, type Frequency } from '../../core/subscribers/subscriber.js';
import { TURNSTILE_SCRIPT } from '../turnstile.js';
import { FieldInputs, type FieldsInput } from './reader-fields.js';

export type SignupValues = { email?: string; topics?: string[]; frequency?: string } & FieldsInput;

/** The signup form, shared by the hosted page, the article pages and (as HTML) the embed snippet. */
export function SignupForm(props: {
  publication: Publication;
  values?: SignupValues;
  issues?: FieldIssue[];
  form?: 'hosted' | 'embed';
}) {
  const { publication, values = {}, issues = [] } = props;
  const errorFor = (field: string) =>
    issues
      .filter((i) => i.field === field || i.field.startsWith(`${field}.`))
      .map((i) => i.message)
      .join('; ');
  const chosenTopics = values.topics ?? publication.topics.map((t) => t.id);
  const frequency = (values.frequency ?? Frequencies.weekly) as Frequency;
  const emailError = errorFor('email');
  return (
    <form
      class="stack"
      method="post"
      action="/subscribe"
      aria-label={`Subscribe to ${publication.name}`}
    >
      <input type="hidden" name="form" value={props.form ?? 'hosted'} />
      {/* Says the form offered topic boxes: none ticked is then a refusal, not "every topic". */}
      <input type="hidden" name="topics-offered" value="1" />
      <label>
        Your email address
        <input
          type="email"
          name="email"
          required
          autocomplete="email"
          maxlength={320}
          value={values.email ?? ''}
          aria-invalid={emailError ? 'true' : undefined}
          aria-describedby={emailError ? 'email-error' : undefined}
        />
      </label>
      {emailError ? (
        <p class="error" id="email-error" role="alert">
          Email address {emailError}.
        </p>
      ) : null}
      <FieldInputs fields={publicFields(publication.fields)} values={values} issues={issues} />
      <fieldset>
        <legend>Topics</legend>
        {publication.topics.map((topic) => (
          <label>
            <input
              type="checkbox"
              name="topics"
              value={topic.id}
              checked={chosenTopics.includes(topic.id)}
            />
            {topic.label}
          </label>
        ))}
        {errorFor('topics') ? (
          <p class="error" role="alert">
            Topics {errorFor('topics')}.
          </p>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>How often</legend>
        {Object.values(Frequencies).map((value) => (
          <label>
            <input type="radio" name="frequency" value={value} checked={value === frequency} />
            {frequencyLabels[value]}
          </label>
        ))}
        {errorFor('frequency') ? (
          <p class="error" role="alert">
            Frequency {errorFor('frequency')}.
          </p>
        ) : null}
      </fieldset>
      {/* A field people never see: bots that fill every input give themselves away. */}
      <div class="hp" aria-hidden="true">
        <label>
          Leave this empty <input type="text" name="website" tabindex={-1} autocomplete="off" />
        </label>
      </div>
      {/* Turnstile's script (in the page's head) fills this in, and adds the token to the form. */}
      {publication.captchaSiteKey ? (
        <div class="cf-turnstile" data-sitekey={publication.captchaSiteKey} />
      ) : null}
      <button type="submit">Subscribe</button>
      <p class="hint">We will email you a link to confirm. No confirmation, no newsletter.</p>
    </form>
  );
}

/**
 * The snippet an editor pastes into another site: a plain HTML form, no script, unless signups
 * need Turnstile (then its script and widget come along; the other site's hostname must be
 * allowed for the site key in Cloudflare's dashboard).
 */
export function embedSnippet(publication: Publication): string {
  const topics = publication.topics
    .map(
      (t) =>
        `  <label><input type="checkbox" name="topics" value="${t.id}" checked> ${t.label}</label>`,
    )
    .join('\n');
  const captcha = publication.captchaSiteKey
    ? `  <div class="cf-turnstile" data-sitekey="${escapeAttribute(publication.captchaSiteKey)}"></div>\n`
    : '';
  const script = publication.captchaSiteKey
    ? `<script src="${TURNSTILE_SCRIPT}" async defer></script>\n`
    : '';
  return `${script}<form method="post" action="${publication.baseUrl}/subscribe">
  <input type="hidden" name="form" value="embed">
  <input type="hidden" name="topics-offered" value="1">
  <input type="hidden" name="fields-offered" value="1">
  <label>Email <input type="email" name="email" required></label>
  <label>Name (optional) <input type="text" name="name" maxlength="100" autocomplete="name"></label>
${embedFields(publication)}${topics}
  <select name="frequency">
    <option value="immediate">Every article</option>
    <option value="daily">Daily digest</option>
    <option value="weekly" selected>Weekly digest</option>
  </select>
  <input type="text" name="website" tabindex="-1" autocomplete="off" style="position:absolute;left:-10000px" aria-hidden="true">
${captcha}  <button type="submit">Subscribe</button>
</form>`;
}

/** The public fields as plain inputs (a choice as a select); the reader's page shows them the same. */
function embedFields(publication: Publication): string {
  return publicFields(publication.fields)
    .map((f) => {
      const name = `fields.${f.key}`;
      const label = escapeAttribute(f.label);
      if (f.type === 'boolean')
        return `  <label><input type="checkbox" name="${name}" value="yes"> ${label}</label>\n`;
      if (f.type === 'choice')
        return `  <label>${label} <select name="${name}"><option value="">(none)</option>${f.options!.map((o) => `<option>${escapeAttribute(o)}</option>`).join('')}</select></label>\n`;
      const type = f.type === 'date' ? 'date' : 'text';
      return `  <label>${label} <input type="${type}" name="${name}"></label>\n`;
    })
    .join('');
}

const escapeAttribute = (value: string) =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
