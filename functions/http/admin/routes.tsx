import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { requireRole, type ApiKeyRecord } from '../../core/access/api-keys.js';
import {
  csrfMatches,
  currentSession,
  SESSION_TTL_MS,
  signIn,
  signOut,
  type Session,
} from '../../core/access/sessions.js';
import { publishedArticles } from '../../core/content/article.js';
import { DomainError, ErrorCodes, type FieldIssue } from '../../core/errors.js';
import { startDigest } from '../../core/issues/digests.js';
import { draftFor, previewIssue, testSendIssue } from '../../core/issues/preview.js';
import { IssueStates } from '../../core/issues/issue.js';
import {
  cancelIssue,
  createArticleIssue,
  issueReport,
  pauseIssue,
  resumeIssue,
  scheduleIssue,
  sendIssueNow,
} from '../../core/issues/manage-issues.js';
import { exportCsv, importCsv } from '../../core/subscribers/csv.js';
import {
  eraseSubscriber,
  findSubscriber,
  subscriberData,
} from '../../core/subscribers/personal-data.js';
import { subscribe } from '../../core/subscribers/subscribe.js';
import { allowAddress, suppressAddress } from '../../core/subscribers/suppression.js';
import {
  Frequencies,
  frequencyLabels,
  type Subscriber,
} from '../../core/subscribers/subscriber.js';
import type { AdminDeps } from './deps.js';
import { ActionButton, AdminLayout, Csrf } from './layout.js';

type Env = { Variables: { session: Session; key: ApiKeyRecord } };
const COOKIE = 'dispatch_session';

/** Fixed texts for the notices after a redirect: nothing from the query string reaches the page. */
const notices: Record<string, string> = {
  created: 'Issue created as a draft.',
  scheduled: 'Issue scheduled.',
  sent: 'Sending started: progress below.',
  paused: 'Issue paused.',
  resumed: 'Issue resumed.',
  cancelled: 'Issue cancelled.',
  tested: 'Test email sent.',
  added: 'Subscriber added; a confirmation email is on its way.',
  erased: 'Subscriber erased; only a suppression hash remains.',
  suppressed: 'Address suppressed.',
  unsuppressed: 'Address removed from the suppression list.',
};

export function adminRoutes(deps: AdminDeps) {
  const admin = new Hono<Env>();
  const secure = deps.publication.baseUrl.startsWith('https://');
  const page = (
    c: Context<Env>,
    title: string,
    body: unknown,
    status: 200 | 400 | 403 | 404 | 409 | 422 = 200,
    refresh?: number,
  ) =>
    c.html(
      <AdminLayout
        publication={deps.publication}
        title={title}
        csrf={c.get('session')?.csrf}
        editor={c.get('key')?.name}
        refresh={refresh}
      >
        {body as never}
      </AdminLayout>,
      status,
    );
  const redirect = (c: Context<Env>, to: string) => c.redirect(to, 303);

  // ---- sign-in ------------------------------------------------------------------------------
  const signInPage = (c: Context<Env>, error?: string) =>
    c.html(
      <AdminLayout publication={deps.publication} title="Sign in">
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <form method="post" action="/admin/sign-in" class="card">
          <label for="key">API key</label>
          <input
            id="key"
            type="password"
            name="key"
            autocomplete="current-password"
            required
            size={60}
          />
          <p>
            <button type="submit">Sign in</button>
          </p>
          <p>
            No key yet? Create one with{' '}
            <code>npm run keys -- create --name "Your name" --role editor</code>.
          </p>
        </form>
      </AdminLayout>,
      error ? 401 : 200,
    );
  admin.get('/admin/sign-in', (c) => signInPage(c));
  admin.post('/admin/sign-in', async (c) => {
    const body = await c.req.parseBody();
    try {
      const { cookie } = await signIn(
        deps,
        typeof body.key === 'string' ? body.key.trim() : undefined,
      );
      setCookie(c, COOKIE, cookie, {
        httpOnly: true,
        sameSite: 'Strict',
        secure,
        path: '/',
        maxAge: SESSION_TTL_MS / 1000,
      });
      return redirect(c, '/admin');
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCodes.unauthorized)
        return signInPage(c, 'That key is not valid.');
      throw error;
    }
  });

  // ---- every other admin page: a session, and a CSRF token on every POST ----------------------
  admin.use('/admin/*', async (c, next) => {
    const found = await currentSession(deps, getCookie(c, COOKIE));
    if (!found)
      return c.req.method === 'GET' ? redirect(c, '/admin/sign-in') : c.text('Sign in first.', 401);
    c.set('session', found.session);
    c.set('key', found.key);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody({ all: true });
      if (!csrfMatches(found.session, form._csrf))
        return page(
          c,
          'Form expired',
          <p class="error">
            This form has expired or did not come from this site. Go back, reload and try again.
          </p>,
          403,
        );
      if (c.req.path !== '/admin/sign-out') requireRole(found.key, 'editor');
    }
    await next();
  });
  admin.onError((error, c) => {
    if (error instanceof DomainError) {
      const status =
        (
          { invalid_input: 422, not_found: 404, conflict: 409, forbidden: 403 } as Record<
            string,
            422 | 404 | 409 | 403
          >
        )[error.code] ?? 400;
      return page(
        c as Context<Env>,
        'That did not work',
        <>
          <p class="error" role="alert">
            {error.message}
          </p>
          {issuesList(error.details.issues)}
          <p>
            <a href="/admin">Back to the dashboard</a>
          </p>
        </>,
        status,
      );
    }
    throw error;
  });
  admin.post('/admin/sign-out', async (c) => {
    await signOut(deps, getCookie(c, COOKIE));
    deleteCookie(c, COOKIE, { path: '/', secure });
    return redirect(c, '/admin/sign-in');
  });
  admin.get('/admin', (c) => dashboard(c, deps, page));

  // ---- articles and previews ----------------------------------------------------------------
  admin.get('/admin/articles', async (c) => {
    const articles = publishedArticles(await deps.articles.all());
    return page(
      c,
      'Articles',
      <table>
        <thead>
          <tr>
            <th>Article</th>
            <th>Date</th>
            <th>Topics</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {articles.map((a) => (
            <tr>
              <td>{a.title}</td>
              <td>{a.date.toISOString().slice(0, 10)}</td>
              <td>{a.topics.join(', ')}</td>
              <td>
                <a href={`/admin/articles/${a.slug}`}>Preview</a> ·{' '}
                <a href={`/articles/${a.slug}`}>Web page</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>,
    );
  });
  admin.get('/admin/articles/:slug', async (c) => {
    const article = await deps.articles.bySlug(c.req.param('slug'));
    if (!article) return page(c, 'Not found', <p>No such article.</p>, 404);
    const issue = draftFor(article);
    return page(
      c,
      `Preview: ${article.title}`,
      <>
        <EmailPreview preview={await previewIssue(deps, issue)} />
        <p>
          <a href={`/articles/${article.slug}`}>The web page</a>
        </p>
        <form method="post" action="/admin/issues" class="card">
          <Csrf token={c.get('session').csrf} />
          <input type="hidden" name="article" value={article.slug} />
          <button type="submit">Create an issue from this article</button>
        </form>
      </>,
    );
  });

  // ---- issues -------------------------------------------------------------------------------
  admin.get('/admin/issues', async (c) => {
    const issues = (
      await Promise.all(Object.values(IssueStates).map((s) => deps.issues.listByState(s)))
    )
      .flat()
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const articles = publishedArticles(await deps.articles.all());
    return page(
      c,
      'Issues',
      <>
        <table>
          <thead>
            <tr>
              <th>Issue</th>
              <th>State</th>
              <th>Audience</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {issues.map((i) => (
              <tr>
                <td>
                  <a href={`/admin/issues/${i.id}`}>{i.subject}</a>
                  <br />
                  <small>{i.id}</small>
                </td>
                <td>
                  {i.state}
                  {i.scheduledAt && i.state === 'scheduled' ? ` for ${i.scheduledAt}` : ''}
                </td>
                <td>
                  {i.audience.topics.join(', ')}; {i.audience.frequencies.join(', ')}
                </td>
                <td>{i.createdAt.slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2 id="digest">Start a digest</h2>
        <form method="post" action="/admin/digests" class="card actions" aria-labelledby="digest">
          <Csrf token={c.get('session').csrf} />
          <div>
            <label for="frequency">Digest</label>
            <select id="frequency" name="frequency">
              <option value="daily">Daily: articles since the last daily digest</option>
              <option value="weekly">Weekly: articles since the last weekly digest</option>
            </select>
          </div>
          <button type="submit">Start this period's digest</button>
        </form>
        <p>Digests also start by themselves on their schedule; either way, one per period.</p>
        <h2 id="compose">Compose an issue</h2>
        <form method="post" action="/admin/issues" class="card" aria-labelledby="compose">
          <Csrf token={c.get('session').csrf} />
          <label for="article">Article</label>
          <select id="article" name="article">
            {articles.map((a) => (
              <option value={a.slug}>{a.title}</option>
            ))}
          </select>
          <label for="subject">Subject (the article's title if empty)</label>
          <input id="subject" name="subject" size={70} maxlength={200} />
          <label for="note">Editor's note (optional)</label>
          <textarea id="note" name="editorNote" maxlength={5000} />
          <fieldset>
            <legend>Topics (the article's if none chosen)</legend>
            {deps.publication.topics.map((t) => (
              <label>
                <input type="checkbox" name="topics" value={t.id} /> {t.label}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Frequencies (all if none chosen)</legend>
            {Object.values(Frequencies).map((f) => (
              <label>
                <input type="checkbox" name="frequencies" value={f} /> {frequencyLabels[f]}
              </label>
            ))}
          </fieldset>
          <p>
            <button type="submit">Create draft</button>
          </p>
        </form>
      </>,
    );
  });
  admin.post('/admin/issues', async (c) => {
    const body = await c.req.parseBody({ all: true });
    const list = (v: unknown) =>
      ([] as unknown[])
        .concat(v ?? [])
        .filter((x): x is string => typeof x === 'string' && x !== '');
    const issue = await createArticleIssue(deps, {
      article: body.article,
      subject: typeof body.subject === 'string' && body.subject.trim() ? body.subject : undefined,
      editorNote:
        typeof body.editorNote === 'string' && body.editorNote.trim() ? body.editorNote : undefined,
      topics: list(body.topics).length ? list(body.topics) : undefined,
      frequencies: list(body.frequencies).length ? list(body.frequencies) : undefined,
    });
    return redirect(c, `/admin/issues/${issue.id}?notice=created`);
  });
  admin.get('/admin/issues/:id', async (c) => {
    const report = await issueReport(deps, c.req.param('id'));
    const { issue, counts, engagement } = report;
    const done =
      counts.sent + counts.skipped + counts.failed + counts.suppressed + counts.ambiguous;
    const total = Math.max(issue.total ?? 0, done);
    const csrf = c.get('session').csrf;
    const notice = notices[c.req.query('notice') ?? ''];
    return page(
      c,
      issue.subject,
      <>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <div class="card">
          <p>
            <strong>State:</strong> <span data-testid="state">{issue.state}</span>
            {issue.pause
              ? ` (${issue.pause.reason}${issue.pause.message ? `: ${issue.pause.message}` : ''})`
              : ''}
            {issue.scheduledAt && issue.state === 'scheduled' ? `, for ${issue.scheduledAt}` : ''}
          </p>
          <p>
            <strong>Audience:</strong> {issue.audience.topics.join(', ')};{' '}
            {issue.audience.frequencies.join(', ')} · <strong>Recipients:</strong>{' '}
            {issue.total ?? 'counted when sending starts'}
          </p>
          <div
            class="bar"
            role="progressbar"
            aria-label="Progress"
            aria-valuemin={0}
            aria-valuemax={total}
            aria-valuenow={done}
          >
            <span style={`width:${total ? Math.round((100 * done) / total) : 0}%`} />
          </div>
          <p data-testid="progress">
            {counts.sent} sent · {counts.skipped} skipped · {counts.failed} failed ·{' '}
            {counts.suppressed} suppressed · {counts.ambiguous} ambiguous · {report.remaining}{' '}
            remaining
          </p>
          <p>
            {engagement.delivered} delivered · {engagement.bounced} bounced ·{' '}
            {engagement.complained} complained · {engagement.opened} opened · {engagement.clicked}{' '}
            clicked
          </p>
          {report.ambiguous.length ? (
            <p class="error">
              Ambiguous (a worker stopped between SES and the ledger; never resent):{' '}
              {report.ambiguous.join(', ')}
            </p>
          ) : null}
          {report.failures.length ? (
            <ul>
              {report.failures.map((f) => (
                <li>
                  {f.subscriberId}: {f.reason}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <div class="actions">
          {issue.state === 'draft' || issue.state === 'scheduled' ? (
            <form method="post" action={`/admin/issues/${issue.id}/schedule`} class="card">
              <Csrf token={csrf} />
              <label for="at">Send at (UTC)</label>
              <input id="at" type="datetime-local" name="at" required />
              <button type="submit">Schedule</button>
            </form>
          ) : null}
          {issue.state === 'draft' || issue.state === 'scheduled' ? (
            <ActionButton action={`/admin/issues/${issue.id}/send`} csrf={csrf} label="Send now" />
          ) : null}
          {issue.state === 'sending' || issue.state === 'scheduled' ? (
            <ActionButton
              action={`/admin/issues/${issue.id}/pause`}
              csrf={csrf}
              label="Pause"
              kind="secondary"
            />
          ) : null}
          {issue.state === 'paused' ? (
            <ActionButton action={`/admin/issues/${issue.id}/resume`} csrf={csrf} label="Resume" />
          ) : null}
          {['draft', 'scheduled', 'sending', 'paused'].includes(issue.state) ? (
            <ActionButton
              action={`/admin/issues/${issue.id}/cancel`}
              csrf={csrf}
              label="Cancel"
              kind="danger"
            />
          ) : null}
        </div>
        <form method="post" action={`/admin/issues/${issue.id}/test`} class="card">
          <Csrf token={csrf} />
          <label for="to">Test-send to (up to five editor addresses)</label>
          <input id="to" name="to" size={60} required />
          <button type="submit">Send test</button>
        </form>
        <EmailPreview preview={await previewIssue(deps, issue)} />
      </>,
      200,
      issue.state === 'sending' ? 3 : undefined,
    );
  });
  admin.post('/admin/digests', async (c) => {
    const body = await c.req.parseBody();
    const frequency = body.frequency === 'weekly' ? 'weekly' : 'daily';
    const result = await startDigest(deps, frequency, deps.clock.now());
    if (result.status === 'nothing_new')
      return page(
        c,
        'Nothing to send',
        <p class="notice" role="status">
          No article was published since the last {frequency} digest, so there is nothing to send.{' '}
          <a href="/admin/issues">Back to issues</a>
        </p>,
      );
    return redirect(c, `/admin/issues/${result.issue.id}?notice=sent`);
  });
  admin.post('/admin/issues/:id/schedule', async (c) => {
    const body = await c.req.parseBody();
    const raw = typeof body.at === 'string' ? body.at : '';
    // datetime-local has no zone: the form says UTC, so read it as UTC.
    const at = new Date(/Z|[+-]\d\d:\d\d$/.test(raw) ? raw : `${raw}Z`);
    await scheduleIssue(deps, c.req.param('id'), at);
    return redirect(c, `/admin/issues/${c.req.param('id')}?notice=scheduled`);
  });
  const verbs = {
    send: [sendIssueNow, 'sent'],
    pause: [(d: AdminDeps, id: string) => pauseIssue(d, id), 'paused'],
    resume: [resumeIssue, 'resumed'],
    cancel: [cancelIssue, 'cancelled'],
  } as const;
  for (const [verb, [run, notice]] of Object.entries(verbs)) {
    admin.post(`/admin/issues/:id/${verb}`, async (c) => {
      await run(deps, c.req.param('id'));
      return redirect(c, `/admin/issues/${c.req.param('id')}?notice=${notice}`);
    });
  }
  admin.post('/admin/issues/:id/test', async (c) => {
    const issue = await deps.issues.get(c.req.param('id'));
    if (!issue) throw new DomainError(ErrorCodes.notFound, 'No such issue.');
    const body = await c.req.parseBody();
    await testSendIssue(deps, issue, typeof body.to === 'string' ? body.to : '');
    return redirect(c, `/admin/issues/${issue.id}?notice=tested`);
  });

  // ---- subscribers --------------------------------------------------------------------------
  admin.get('/admin/subscribers', async (c) => {
    const q = c.req.query('q');
    const filter = {
      state: c.req.query('state') || undefined,
      topic: c.req.query('topic') || undefined,
      frequency: c.req.query('frequency') || undefined,
    };
    let rows: Subscriber[];
    let next: string | undefined;
    if (q) {
      const found = await findSubscriber(deps, q);
      rows = found ? [found] : [];
    } else {
      const pageOf = await deps.directory.subscribers(c.req.query('cursor') || undefined, 100);
      rows = pageOf.items.filter(
        (s) =>
          (!filter.state || s.state === filter.state) &&
          (!filter.topic || s.topics.includes(filter.topic)) &&
          (!filter.frequency || s.frequency === filter.frequency),
      );
      next = pageOf.cursor;
    }
    const notice = notices[c.req.query('notice') ?? ''];
    const csrf = c.get('session').csrf;
    return page(
      c,
      'Subscribers',
      <>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        {/* biome-ignore lint/a11y/useSemanticElements: the <search> element is too new for the browsers editors still use. */}
        <form method="get" action="/admin/subscribers" class="card actions" role="search">
          <div>
            <label for="q">Address</label>
            <input id="q" name="q" type="search" value={q ?? ''} />
          </div>
          <div>
            <label for="state">State</label>
            <select id="state" name="state">
              <option value="">any</option>
              {['pending', 'confirmed', 'unsubscribed', 'bounced', 'complained'].map((s) => (
                <option value={s} selected={filter.state === s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="topic">Topic</label>
            <select id="topic" name="topic">
              <option value="">any</option>
              {deps.publication.topics.map((t) => (
                <option value={t.id} selected={filter.topic === t.id}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="frequency">Frequency</label>
            <select id="frequency" name="frequency">
              <option value="">any</option>
              {Object.values(Frequencies).map((f) => (
                <option value={f} selected={filter.frequency === f}>
                  {f}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">Search</button>
        </form>
        <table>
          <thead>
            <tr>
              <th>Address</th>
              <th>State</th>
              <th>Topics</th>
              <th>Frequency</th>
              <th>Since</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr>
                <td>
                  <a href={`/admin/subscribers/${s.id}`}>{s.email}</a>
                </td>
                <td>{s.state}</td>
                <td>{s.topics.join(', ')}</td>
                <td>{s.frequency}</td>
                <td>{s.createdAt.slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {next ? (
          <p>
            <a href={`/admin/subscribers?cursor=${encodeURIComponent(next)}`}>Next page</a>
          </p>
        ) : null}
        <div class="grid">
          <form method="post" action="/admin/subscribers" class="card">
            <h2>Add a subscriber</h2>
            <Csrf token={csrf} />
            <label for="add-email">Address</label>
            <input id="add-email" name="email" type="email" required />
            <p>They get a confirmation email, as from the signup form.</p>
            <button type="submit">Add</button>
          </form>
          <form
            method="post"
            action="/admin/subscribers/import"
            enctype="multipart/form-data"
            class="card"
          >
            <h2>Import CSV</h2>
            <Csrf token={csrf} />
            <label for="file">
              CSV file (columns: email, topics, frequency, consent, consent_source)
            </label>
            <input id="file" name="file" type="file" accept=".csv,text/csv" required />
            <p>
              Rows with <code>consent=yes</code> and a <code>consent_source</code> are added as
              confirmed; every other row gets a confirmation email, sent by the next tick at SES's
              pace.
            </p>
            <button type="submit">Import</button>
          </form>
          <div class="card">
            <h2>Export</h2>
            <p>
              <a href="/admin/subscribers/export.csv" download>
                Download every subscriber as CSV
              </a>
            </p>
          </div>
        </div>
      </>,
    );
  });
  admin.post('/admin/subscribers', async (c) => {
    const body = await c.req.parseBody();
    await subscribe(deps, { email: body.email }, 'admin');
    return redirect(c, '/admin/subscribers?notice=added');
  });
  admin.get('/admin/subscribers/export.csv', async (c) => {
    let csv = '';
    for await (const chunk of exportCsv(deps)) csv += chunk;
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="subscribers-${new Date().toISOString().slice(0, 10)}.csv"`,
    });
  });
  admin.post('/admin/subscribers/import', async (c) => {
    const body = await c.req.parseBody();
    const file = body.file;
    const text = typeof file === 'string' ? file : file instanceof File ? await file.text() : '';
    const report = await importCsv(deps, text);
    return page(
      c,
      'Import report',
      <>
        <p class="notice" role="status" data-testid="import-summary">
          {report.imported} imported as confirmed · {report.confirmationsQueued} queued for a
          confirmation email · {report.skipped.length} skipped · {report.errors.length} rows with
          errors
        </p>
        {report.errors.length ? (
          <>
            <h2>Rows with errors (not imported)</h2>
            <ul>
              {report.errors.map((e) => (
                <li>
                  Line {e.line}: {e.issues.map((i) => `${i.field} ${i.message}`).join('; ')}
                </li>
              ))}
            </ul>
          </>
        ) : null}
        {report.skipped.length ? (
          <>
            <h2>Skipped</h2>
            <ul>
              {report.skipped.map((s) => (
                <li>
                  Line {s.line}: {s.email}: {s.reason}
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <p>
          <a href="/admin/subscribers">Back to subscribers</a>
        </p>
      </>,
    );
  });
  admin.get('/admin/subscribers/:id/export.json', async (c) => {
    const data = await subscriberData(deps, c.req.param('id'));
    return c.body(JSON.stringify(data, null, 2), 200, {
      'content-type': 'application/json',
      'content-disposition': `attachment; filename="subscriber-${c.req.param('id')}.json"`,
    });
  });
  admin.get('/admin/subscribers/:id', async (c) => {
    const s = await deps.subscribers.get(c.req.param('id'));
    if (!s) return page(c, 'Not found', <p>No such subscriber (erased, perhaps).</p>, 404);
    const csrf = c.get('session').csrf;
    const history = await deps.ledger.history(s.id);
    return page(
      c,
      s.email,
      <>
        <div class="card">
          <p>
            <strong>State:</strong> {s.state} · <strong>Topics:</strong> {s.topics.join(', ')} ·{' '}
            <strong>Frequency:</strong> {s.frequency}
          </p>
          <h2>Consent</h2>
          <p>
            Asked {s.consent.at} through the {s.consent.form} form
            {s.consent.ip ? ` from ${s.consent.ip}` : ''}
            {s.consent.userAgent ? ` (${s.consent.userAgent})` : ''}.
            {s.consent.source ? ` Source: ${s.consent.source}.` : ''}
          </p>
          <p>
            {s.consent.confirmedAt
              ? `Confirmed ${s.consent.confirmedAt}${s.consent.confirmIp ? ` from ${s.consent.confirmIp}` : ''}.`
              : 'Not confirmed.'}
          </p>
          {s.unsubscribedAt ? <p>Unsubscribed {s.unsubscribedAt}.</p> : null}
          {s.softBounces ? <p>{s.softBounces} soft bounces in a row.</p> : null}
          <h2>Issues received</h2>
          {history.length === 0 ? (
            <p>None yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Issue</th>
                  <th>Sent</th>
                  <th>SES message id</th>
                </tr>
              </thead>
              <tbody>
                {history.map((e) => (
                  <tr>
                    <td>
                      <a href={`/admin/issues/${e.issueId}`}>{e.issueId}</a>
                    </td>
                    <td>{e.sentAt}</td>
                    <td>
                      <code>{e.messageId}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div class="actions">
          <a href={`/admin/subscribers/${s.id}/export.json`} download>
            Export this reader's data (JSON)
          </a>
          <ActionButton
            action={`/admin/subscribers/${s.id}/erase`}
            csrf={csrf}
            label="Delete for good (erasure request)"
            kind="danger"
          />
        </div>
      </>,
    );
  });
  admin.post('/admin/subscribers/:id/erase', async (c) => {
    await eraseSubscriber(deps, c.req.param('id'));
    return redirect(c, '/admin/subscribers?notice=erased');
  });

  // ---- suppression list ---------------------------------------------------------------------
  admin.get('/admin/suppressions', async (c) => {
    const entries = await deps.directory.suppressions();
    const csrf = c.get('session').csrf;
    const notice = notices[c.req.query('notice') ?? ''];
    return page(
      c,
      'Suppression list',
      <>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <p>
          Addresses here are never mailed, whatever brings them back. Erased readers appear only as
          a hash.
        </p>
        <table>
          <thead>
            <tr>
              <th>Address</th>
              <th>Reason</th>
              <th>Since</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td>{e.email ?? <em>erased ({e.key.slice(0, 10)}…)</em>}</td>
                <td>{e.reason}</td>
                <td>{e.at.slice(0, 16).replace('T', ' ')}</td>
                <td>
                  {e.email ? (
                    <form method="post" action="/admin/suppressions/remove" class="actions">
                      <Csrf token={csrf} />
                      <input type="hidden" name="email" value={e.email} />
                      <label class="visually-hidden" for={`why-${e.key}`}>
                        Reason for removing
                      </label>
                      <input
                        id={`why-${e.key}`}
                        name="reason"
                        required
                        placeholder="Why (required)"
                      />
                      <button type="submit" class="secondary">
                        Remove
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="post" action="/admin/suppressions" class="card actions">
          <Csrf token={csrf} />
          <div>
            <label for="sup-email">Address</label>
            <input id="sup-email" name="email" type="email" required />
          </div>
          <div>
            <label for="sup-reason">Reason</label>
            <input id="sup-reason" name="reason" required />
          </div>
          <button type="submit">Suppress</button>
        </form>
      </>,
    );
  });
  admin.post('/admin/suppressions', async (c) => {
    const body = await c.req.parseBody();
    await suppressAddress(deps, body);
    return redirect(c, '/admin/suppressions?notice=suppressed');
  });
  admin.post('/admin/suppressions/remove', async (c) => {
    const body = await c.req.parseBody();
    const { reason } = await allowAddress(deps, body);
    console.log(
      JSON.stringify({
        level: 'info',
        event: 'suppression_removed',
        by: c.get('key').prefix,
        reason,
      }),
    );
    return redirect(c, '/admin/suppressions?notice=unsuppressed');
  });

  return admin;
}

function issuesList(issues: FieldIssue[] | undefined) {
  return issues?.length ? (
    <ul>
      {issues.map((i) => (
        <li>
          {i.field}: {i.message}
        </li>
      ))}
    </ul>
  ) : null;
}

/** The email as readers get it: desktop and mobile widths side by side, the text part, the subject. */
function EmailPreview(props: { preview: { subject: string; html: string; text: string } }) {
  return (
    <section aria-label="Email preview">
      <h2>
        Subject: <span data-testid="preview-subject">{props.preview.subject}</span>
      </h2>
      <div class="previews">
        <figure>
          <figcaption>Desktop (640 px)</figcaption>
          <iframe
            title="Email at desktop width"
            width="640"
            height="900"
            sandbox=""
            srcdoc={props.preview.html}
          />
        </figure>
        <figure>
          <figcaption>Mobile (375 px)</figcaption>
          <iframe
            title="Email at mobile width"
            width="375"
            height="900"
            sandbox=""
            srcdoc={props.preview.html}
          />
        </figure>
      </div>
      <h2>Plain-text part</h2>
      {/* Scrollable, so reachable by keyboard too; the label names it when it takes focus. */}
      {/* biome-ignore lint/a11y/useAriaPropsSupportedByRole: a focusable <pre> is announced by its label. */}
      <pre data-testid="preview-text" tabindex={0} aria-label="Plain-text part">
        {props.preview.text}
      </pre>
    </section>
  );
}

async function dashboard(
  c: Context<Env>,
  deps: AdminDeps,
  page: (c: Context<Env>, title: string, body: unknown) => Response | Promise<Response>,
) {
  // Counters kept by every subscriber write: one read, whatever the list's size.
  const counts = await deps.subscribers.counts();
  const n = (key: string) => Math.max(0, counts[key] ?? 0);
  const days = Array.from({ length: 30 }, (_, i) =>
    new Date(Date.now() - (29 - i) * 86_400_000).toISOString().slice(0, 10),
  );
  const signups = new Map(days.map((d) => [d, n(`joined:${d}`)]));
  const leaves = new Map(days.map((d) => [d, n(`left:${d}`)]));
  const issues = (
    await Promise.all(Object.values(IssueStates).map((s) => deps.issues.listByState(s)))
  )
    .flat()
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, 8);
  const reports = await Promise.all(issues.map((i) => issueReport(deps, i.id)));
  const max = Math.max(1, ...signups.values(), ...leaves.values());
  return page(
    c,
    'Dashboard',
    <>
      <div class="grid">
        <div class="card">
          <h2>Subscribers by state</h2>
          {['confirmed', 'pending', 'unsubscribed', 'bounced', 'complained'].map((s) => (
            <p>
              <span class="stat">{n(`state:${s}`)}</span> {s}
            </p>
          ))}
        </div>
        <div class="card">
          <h2>Confirmed by topic</h2>
          {deps.publication.topics.map((t) => (
            <p>
              <span class="stat">{n(`topic:${t.id}`)}</span> {t.label}
            </p>
          ))}
        </div>
        <div class="card">
          <h2>Confirmed by frequency</h2>
          {Object.values(Frequencies).map((f) => (
            <p>
              <span class="stat">{n(`frequency:${f}`)}</span> {frequencyLabels[f]}
            </p>
          ))}
        </div>
      </div>
      <div class="card">
        <h2 id="chart">Signups and unsubscribes, last 30 days</h2>
        <svg role="img" aria-labelledby="chart" viewBox="0 0 600 120" width="100%" height="140">
          <title>Signups and unsubscribes, last 30 days</title>
          {days.map((d, i) => (
            <g>
              <rect
                x={i * 20 + 2}
                y={110 - (100 * signups.get(d)!) / max}
                width="8"
                height={(100 * signups.get(d)!) / max}
                fill="#1a7f37"
              >
                <title>{`${d}: ${signups.get(d)} signups`}</title>
              </rect>
              <rect
                x={i * 20 + 10}
                y={110 - (100 * leaves.get(d)!) / max}
                width="8"
                height={(100 * leaves.get(d)!) / max}
                fill="#b3261e"
              >
                <title>{`${d}: ${leaves.get(d)} unsubscribes`}</title>
              </rect>
            </g>
          ))}
        </svg>
        <p>Green: signups. Red: unsubscribes.</p>
      </div>
      <h2>Latest issues</h2>
      <table>
        <thead>
          <tr>
            <th>Issue</th>
            <th>State</th>
            <th>Sent</th>
            <th>Delivered</th>
            <th>Bounced</th>
            <th>Complained</th>
            <th>Opened</th>
            <th>Clicked</th>
          </tr>
        </thead>
        <tbody>
          {reports.map((r) => (
            <tr>
              <td>
                <a href={`/admin/issues/${r.issue.id}`}>{r.issue.subject}</a>
              </td>
              <td>{r.issue.state}</td>
              <td>{r.counts.sent}</td>
              <td>{r.engagement.delivered}</td>
              <td>{r.engagement.bounced}</td>
              <td>{r.engagement.complained}</td>
              <td>{r.engagement.opened}</td>
              <td>{r.engagement.clicked}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>,
  );
}
