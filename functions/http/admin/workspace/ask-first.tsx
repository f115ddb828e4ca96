import type { Context, MiddlewareHandler } from 'hono';
import { Csrf } from '../layout.js';
import { page, type WorkspaceEnv } from './page.js';

/** What an irreversible action will do, in the editor's terms, before it is done. */
export type Consequence = {
  title: string;
  /** What happens, to whom, and that it cannot be undone. */
  says: string;
  /** The button that does it, naming what it acts on ("Erase ana@example.com"). */
  button: string;
  /** Where "change nothing" goes back to. */
  back: string;
  /** A review's facts, in order ("From", "Audience", "Recipients", "When"), shown above `says`. */
  facts?: [label: string, value: string][];
  /** A review that can be undone later (scheduling) is not styled as a danger. */
  kind?: 'danger' | 'primary';
};

/**
 * Irreversible workspace actions ask first. A POST without `confirmed=yes` does nothing and gets
 * a page saying what it would do, with one button that posts the same form again, confirmed, and
 * a way back. A page rather than a dialog: the workspace runs no script (the import form's
 * aside), and a question the server asks cannot be skipped by a form posted from elsewhere (which
 * the CSRF token stops anyway) or by a double click.
 */
export const askFirst =
  (describe: (c: Context<WorkspaceEnv>) => Promise<Consequence>): MiddlewareHandler<WorkspaceEnv> =>
  async (c, next) => {
    const form = await c.req.parseBody({ all: true });
    if (form.confirmed === 'yes') return next();
    const what = await describe(c);
    const fields = Object.entries(form).flatMap(([name, value]) =>
      name === '_csrf' || name === 'confirmed'
        ? []
        : ([] as unknown[])
            .concat(value)
            .filter((v): v is string => typeof v === 'string')
            .map((v) => [name, v] as const),
    );
    return page(
      c,
      what.title,
      <form method="post" action={c.req.path} class="card">
        <Csrf token={c.get('session').csrf} />
        {fields.map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirmed" value="yes" />
        {/* The page's own heading is the title: said once. */}
        {what.facts ? (
          <dl class="facts" data-testid="review">
            {what.facts.map(([label, value]) => (
              <>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </>
            ))}
          </dl>
        ) : null}
        <p
          class={what.kind === 'primary' ? 'notice' : 'error'}
          role="alert"
          data-testid="consequence"
        >
          {what.says}
        </p>
        <button type="submit" class={what.kind === 'primary' ? undefined : 'danger'}>
          {what.button}
        </button>{' '}
        <a href={what.back}>Cancel: change nothing</a>
      </form>,
    );
  };
