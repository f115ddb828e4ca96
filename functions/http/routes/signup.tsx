import { Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { DomainError, ErrorCodes, invalidInput } from '../../core/errors.js';
import { rejection } from '../errors.js';
import { subscribe } from '../../core/subscribers/subscribe.js';
import { publishedArticles } from '../../core/content/article.js';
import { emfMetrics } from '../../metrics.js';
import type { AppEnv } from '../app.js';
import { Layout, MessagePage } from '../pages/layout.js';
import { publicFields } from '../../core/subscribers/fields.js';
import { fieldsFromForm } from '../pages/reader-fields.js';
import { embedSnippet, SignupForm, type SignupValues } from '../pages/signup.js';

export const signupRoutes = new Hono<AppEnv>();

/**
 * One signup metric per posted signup (functions/metrics.ts), by what the reader was answered:
 * accepted (a confirmation is queued, or the address may not learn otherwise), refused (a field
 * or the body is wrong), rate_limited, failed (ours).
 */
const countSignups: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.req.method !== 'POST') return;
  const status = c.res.status;
  const outcome =
    status < 400
      ? 'accepted'
      : status === 429
        ? 'rate_limited'
        : status < 500
          ? 'refused'
          : 'failed';
  emfMetrics(c.get('logger')).count('signup', { [outcome]: 1 });
};
signupRoutes.use('/subscribe', countSignups);
signupRoutes.use('/api/subscribe', countSignups);

const CHECK_INBOX =
  'Check your inbox: if this address can subscribe, a confirmation link is on its way.';

signupRoutes.get('/', async (c) => {
  const deps = c.get('deps');
  const latest = publishedArticles(await deps.articles.all()).slice(0, 5);
  return c.html(
    <Layout
      title={deps.publication.name}
      publication={deps.publication}
      description={`Subscribe to ${deps.publication.name}: our reporting in your inbox, on the topics you choose, as often as you like.`}
    >
      <h1>Subscribe to {deps.publication.name}</h1>
      <p>
        Our reporting in your inbox: choose your topics and how often you hear from us. Leave with
        one click whenever you like.
      </p>
      <SignupForm publication={deps.publication} />
      {latest.length > 0 ? (
        <section aria-labelledby="latest">
          <h2 id="latest">Latest articles</h2>
          <ul>
            {latest.map((a) => (
              <li>
                <a href={`/articles/${a.slug}`}>{a.title}</a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </Layout>,
  );
});

/** The hosted page and embedded snippets post here: an HTML answer either way. */
signupRoutes.post('/subscribe', async (c) => {
  const deps = c.get('deps');
  const body = await c.req.parseBody({ all: true });
  const values: SignupValues = {
    email: typeof body.email === 'string' ? body.email : undefined,
    // A form that offered topic boxes (ours and the embed snippet say so) with none ticked is
    // refused, not turned into every topic; a one-field form without boxes means every topic.
    topics:
      body.topics === undefined
        ? body['topics-offered'] !== undefined
          ? []
          : undefined
        : ([] as unknown[]).concat(body.topics).filter((t): t is string => typeof t === 'string'),
    frequency: typeof body.frequency === 'string' ? body.frequency : undefined,
    ...fieldsFromForm(body, publicFields(deps.publication.fields)),
  };
  const form = body.form === 'hosted' ? 'hosted' : 'embed';
  if (!isHoneypotEmpty(body.website)) return checkInbox(c, values, form);
  // The Turnstile widget posts its token under this name (only checked when a CAPTCHA is configured).
  const captchaToken =
    typeof body['cf-turnstile-response'] === 'string' ? body['cf-turnstile-response'] : undefined;
  try {
    await subscribe(deps, values, form, { ...requestContext(c), captchaToken });
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== ErrorCodes.invalidInput) throw error;
    return c.html(
      <Layout title="Subscribe" publication={deps.publication}>
        <h1>Subscribe to {deps.publication.name}</h1>
        {/* Each field says what is wrong beside it (and is announced there); this only points. */}
        <p class="notice problem">Please correct what is marked below.</p>
        <SignupForm
          publication={deps.publication}
          values={values}
          issues={error.details.issues}
          form={form}
        />
      </Layout>,
      422,
    );
  }
  return checkInbox(c, values, form);
});

// Public signup endpoint: any site may call it from the browser; no cookies are involved.
signupRoutes.use(
  '/api/subscribe',
  cors({ origin: '*', allowMethods: ['POST'], allowHeaders: ['Content-Type'] }),
);

signupRoutes.post('/api/subscribe', async (c) => {
  const deps = c.get('deps');
  if (!c.req.header('content-type')?.toLowerCase().startsWith('application/json'))
    throw rejection(
      ErrorCodes.unsupportedMediaType,
      '(content-type)',
      'must be application/json',
      'Send the body as application/json.',
    );
  const body: unknown = await c.req.json().catch(() => {
    throw rejection(
      ErrorCodes.malformedRequest,
      '(body)',
      'is not valid JSON',
      'The body is not valid JSON.',
    );
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw rejection(
      ErrorCodes.invalidInput,
      '(body)',
      'must be a JSON object',
      'The body must be a JSON object.',
    );
  const { website, captchaToken, ...input } = body as Record<string, unknown>;
  if (captchaToken !== undefined && typeof captchaToken !== 'string')
    throw invalidInput([{ field: 'captchaToken', message: 'must be a string' }]);
  if (isHoneypotEmpty(website))
    await subscribe(deps, input, 'api', { ...requestContext(c), captchaToken });
  return c.json({ status: 'pending', message: CHECK_INBOX }, 202);
});

signupRoutes.get('/embed', (c) => {
  const deps = c.get('deps');
  return c.html(
    <Layout title="Embed the signup form" publication={deps.publication}>
      <h1>Embed the signup form</h1>
      {deps.publication.captchaSiteKey ? (
        <p>
          Paste this HTML into any page. It loads Cloudflare Turnstile's script for the anti-robot
          check (the page's hostname must be allowed for this site key in Cloudflare's dashboard);
          readers land on our confirmation page after submitting.
        </p>
      ) : (
        <p>
          Paste this HTML into any page. It needs no script; readers land on our confirmation page
          after submitting.
        </p>
      )}
      <pre style="white-space:pre-wrap;background:#f6f8fa;padding:1rem;border-radius:6px;font-size:.85rem">
        <code>{embedSnippet(deps.publication)}</code>
      </pre>
    </Layout>,
  );
});

/**
 * "Check your inbox", naming the address as typed (whether or not it can subscribe: the page is
 * the same either way) with a button that sends the same signup again. A second one within a
 * minute queues nothing (the cooldown), so the button says to wait.
 */
function checkInbox(
  c: import('hono').Context<AppEnv>,
  values: SignupValues,
  form: 'hosted' | 'embed',
) {
  const email = values.email?.trim() ?? '';
  return c.html(
    <MessagePage publication={c.get('deps').publication} title="Check your inbox">
      <p>
        If <strong>{email}</strong> can subscribe, a confirmation link is on its way to it.
      </p>
      <p class="hint">
        The link works for 48 hours. Nothing after a few minutes? Look in your spam folder, or send
        it again (one email a minute, three a day). A typo in the address?{' '}
        <a href="/">Sign up again</a>.
      </p>
      <form method="post" action="/subscribe">
        <input type="hidden" name="email" value={email} />
        {(values.topics ?? []).map((topic) => (
          <input type="hidden" name="topics" value={topic} />
        ))}
        {values.frequency ? (
          <input type="hidden" name="frequency" value={values.frequency} />
        ) : null}
        {values.name ? <input type="hidden" name="name" value={values.name} /> : null}
        {Object.entries(values.fields ?? {}).map(([key, value]) => (
          <input type="hidden" name={`fields.${key}`} value={value} />
        ))}
        <input type="hidden" name="form" value={form} />
        <button type="submit">Send the link again</button>
      </form>
    </MessagePage>,
  );
}

const isHoneypotEmpty = (value: unknown) => value === undefined || value === '';

export function requestContext(c: import('hono').Context<AppEnv>) {
  return { ip: c.get('clientIp'), userAgent: c.req.header('user-agent')?.slice(0, 512) };
}
