import { Hono, type Context } from 'hono';
import { countFailure, refuseGuesser } from '../../core/abuse/guessing.js';
import { DomainError, ErrorCodes, type FieldIssue } from '../../core/errors.js';
import { readerLinks } from '../../core/links.js';
import { confirmSubscription } from '../../core/subscribers/confirm.js';
import {
  readerFromToken,
  resubscribe,
  unsubscribe,
  updatePreferences,
} from '../../core/subscribers/manage.js';
import { resendConfirmation } from '../../core/subscribers/subscribe.js';
import type { Subscriber } from '../../core/subscribers/subscriber.js';
import type { AppEnv } from '../app.js';
import { MessagePage } from '../pages/layout.js';
import { maskEmail, PreferencesPage } from '../pages/preferences.js';
import { fieldsFromForm } from '../pages/reader-fields.js';
import { publicFields } from '../../core/subscribers/fields.js';
import { requestContext } from './signup.js';

/**
 * Every link in an email lands on a GET that only shows a page; the change happens on the
 * button's POST. Mail scanners and link previews fetch GET links, and must not confirm or
 * unsubscribe anyone. The one exception the other way round is RFC 8058: a POST to the
 * List-Unsubscribe URL unsubscribes at once, with no page in between and no redirect.
 */
export const readerRoutes = new Hono<AppEnv>();

// A client over its bad tokens is refused (429) before its next token is even read, so a
// guesser cannot try links at full speed; only failures count (see invalidLink).
readerRoutes.use('/:kind{confirm|unsubscribe|preferences}/*', async (c, next) => {
  await refuseGuesser(c.get('deps'), 'token', { ip: c.get('clientIp') });
  await next();
});

// ---- confirmation -------------------------------------------------------------------------

readerRoutes.get('/confirm/:token', async (c) => {
  const deps = c.get('deps');
  const token = c.req.param('token');
  const verified = verifyOrNull(() => deps.signer.verify('confirm', token, deps.clock.now()));
  if (!verified) return invalidLink(c);
  // A link opened again after confirming says so, rather than asking to confirm once more. Only
  // the reader the link was sent to holds it, so saying so tells nobody else anything.
  const reader = await deps.subscribers.get(verified.subscriberId);
  if (reader?.state === 'confirmed')
    return c.html(
      <MessagePage publication={deps.publication} title="You are already subscribed">
        <p>
          Your subscription to {deps.publication.name} is confirmed: there is nothing more to do.
          The welcome email has a link to change your topics and how often you hear from us.
        </p>
        <p>
          <a href="/articles">Read the latest articles</a>.
        </p>
      </MessagePage>,
    );
  if (verified.expired) return expiredConfirmation(c, token);
  return c.html(
    <MessagePage publication={deps.publication} title="Confirm your subscription">
      <p>One more step: confirm that you want to receive {deps.publication.name}.</p>
      <form method="post" action={`/confirm/${token}`}>
        <button type="submit">Confirm my subscription</button>
      </form>
    </MessagePage>,
  );
});

readerRoutes.post('/confirm/:token', async (c) => {
  const deps = c.get('deps');
  const token = c.req.param('token');
  const result = await confirmOrNull(() => confirmSubscription(deps, token, requestContext(c)));
  if (!result) return invalidLink(c);
  switch (result.status) {
    case 'expired':
      return expiredConfirmation(c, token);
    case 'not_pending':
      return c.html(
        <MessagePage publication={deps.publication} title="This link has been used up">
          <p>
            This confirmation link belongs to a subscription that has since ended. To subscribe
            again, <a href="/">sign up here</a>.
          </p>
        </MessagePage>,
        409,
      );
    default:
      return c.html(
        <MessagePage publication={deps.publication} title="You are subscribed">
          <p>
            Thank you: your subscription to {deps.publication.name} is confirmed
            {result.status === 'confirmed' ? ', and a welcome email is on its way' : ''}.
          </p>
          <p>
            <a href="/articles">Read the latest articles</a>.
          </p>
        </MessagePage>,
      );
  }
});

readerRoutes.post('/confirm/:token/resend', async (c) => {
  const deps = c.get('deps');
  const verified = verifyOrNull(() =>
    deps.signer.verify('confirm', c.req.param('token'), deps.clock.now()),
  );
  if (!verified) return invalidLink(c);
  await resendConfirmation(deps, verified.subscriberId);
  return c.html(
    <MessagePage publication={deps.publication} title="Check your inbox">
      <p>
        If this subscription is still waiting for confirmation, a new link is on its way. It works
        for 48 hours.
      </p>
    </MessagePage>,
  );
});

function expiredConfirmation(c: Context<AppEnv>, token: string) {
  return c.html(
    <MessagePage publication={c.get('deps').publication} title="This link has expired">
      <p>
        Confirmation links work for 48 hours, and this one is older. We can send you a fresh one.
      </p>
      <form method="post" action={`/confirm/${token}/resend`}>
        <button type="submit">Send me a new link</button>
      </form>
    </MessagePage>,
    410,
  );
}

// ---- one-click unsubscribe ----------------------------------------------------------------

/**
 * The links of a test send and a preview (`/unsubscribe/preview`, `/preferences/preview`): an
 * editor who presses them, or whose mail app posts the one-click unsubscribe, gets a page that
 * says so (200), not a broken-link 400. Nothing is changed: the email belonged to no reader.
 */
const PREVIEW = 'preview';
function previewLink(c: Context<AppEnv>) {
  return c.html(
    <MessagePage publication={c.get('deps').publication} title="This was a test email">
      <p>
        This link is in a test or preview email, which went to no reader: there is nothing to
        unsubscribe from or change. In a real issue, it is each reader's own link.
      </p>
    </MessagePage>,
  );
}
for (const path of [`/unsubscribe/${PREVIEW}`, `/preferences/${PREVIEW}`])
  readerRoutes.on(['GET', 'POST'], path, previewLink);

readerRoutes.get('/unsubscribe/:token', async (c) => {
  const deps = c.get('deps');
  const token = c.req.param('token');
  const reader = await readerOrNull(() => readerFromToken(deps, 'unsubscribe', token));
  if (!reader) return invalidLink(c);
  if (reader.state !== 'confirmed' && reader.state !== 'pending')
    return unsubscribedPage(c, reader);
  return c.html(
    <MessagePage publication={deps.publication} title="Unsubscribe">
      <p>
        Unsubscribe {maskEmail(reader.email)} from {deps.publication.name}? You will receive nothing
        more from us.
      </p>
      <form method="post" action={`/unsubscribe/${token}`}>
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">Unsubscribe</button>
      </form>
      <p class="hint">
        Rather hear from us less often?{' '}
        <a href={readerLinks(deps.publication, deps.signer, reader.id).preferences}>
          Change your preferences
        </a>{' '}
        instead.
      </p>
    </MessagePage>,
  );
});

readerRoutes.post('/unsubscribe/:token', async (c) => {
  const deps = c.get('deps');
  const reader = await readerOrNull(() => unsubscribe(deps, c.req.param('token')));
  if (!reader) return invalidLink(c);
  return unsubscribedPage(c, reader);
});

function unsubscribedPage(c: Context<AppEnv>, reader: Subscriber) {
  const deps = c.get('deps');
  const suppressed = reader.state === 'bounced' || reader.state === 'complained';
  return c.html(
    <MessagePage publication={deps.publication} title="You are unsubscribed">
      <p>
        {maskEmail(reader.email)} will receive nothing more from {deps.publication.name}.
      </p>
      {suppressed ? null : (
        <p class="hint">
          Unsubscribed by mistake?{' '}
          <a href={readerLinks(deps.publication, deps.signer, reader.id).preferences}>
            You can resubscribe from your preferences
          </a>
          .
        </p>
      )}
    </MessagePage>,
  );
}

// ---- preferences --------------------------------------------------------------------------

readerRoutes.get('/preferences/:token', async (c) => {
  const reader = await readerOrNull(() =>
    readerFromToken(c.get('deps'), 'preferences', c.req.param('token')),
  );
  return reader ? preferencesPage(c, reader) : invalidLink(c);
});

readerRoutes.post('/preferences/:token', async (c) => {
  const deps = c.get('deps');
  const token = c.req.param('token');
  const body = await c.req.parseBody({ all: true });
  const input = {
    topics: body.topics === undefined ? [] : ([] as unknown[]).concat(body.topics),
    frequency: body.frequency,
    ...fieldsFromForm(body, publicFields(deps.publication.fields)),
  };
  try {
    const reader = await readerOrNull(() => updatePreferences(deps, token, input));
    return reader
      ? preferencesPage(c, reader, { notice: 'Your preferences are saved.' })
      : invalidLink(c);
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== ErrorCodes.invalidInput) throw error;
    const reader = await readerFromToken(deps, 'preferences', token);
    return preferencesPage(c, reader, { issues: error.details.issues }, 422);
  }
});

readerRoutes.post('/preferences/:token/resubscribe', async (c) => {
  const reader = await readerOrNull(() => resubscribe(c.get('deps'), c.req.param('token')));
  return reader
    ? preferencesPage(c, reader, { notice: 'Welcome back: you are subscribed again.' })
    : invalidLink(c);
});

function preferencesPage(
  c: Context<AppEnv>,
  reader: Subscriber,
  extra: { notice?: string; issues?: FieldIssue[] } = {},
  status: 200 | 422 = 200,
) {
  const deps = c.get('deps');
  const links = readerLinks(deps.publication, deps.signer, reader.id);
  return c.html(
    <PreferencesPage
      publication={deps.publication}
      reader={reader}
      token={c.req.param('token')!}
      unsubscribePath={new URL(links.unsubscribe).pathname}
      {...extra}
    />,
    status,
  );
}

// ---- shared -------------------------------------------------------------------------------

/** A link whose token does not verify: said so (400), and counted against the client's network. */
async function invalidLink(c: Context<AppEnv>) {
  await countFailure(c.get('deps'), 'token', { ip: c.get('clientIp') });
  return c.html(
    <MessagePage publication={c.get('deps').publication} title="This link is not valid">
      <p>
        The link may have been cut short or changed on its way. Open it again from the email, or{' '}
        <a href="/">sign up again</a> to get a fresh one.
      </p>
    </MessagePage>,
    400,
  );
}

/** Runs a token-taking use case; a bad token becomes `undefined` (the page says so), anything else propagates. */
async function readerOrNull<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCodes.invalidToken) return undefined;
    throw error;
  }
}
const confirmOrNull = readerOrNull;

function verifyOrNull<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCodes.invalidToken) return undefined;
    throw error;
  }
}
