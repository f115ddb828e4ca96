import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Publication } from '../../core/publication.js';

const styles = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;background:#f6f8fa}
header{background:#1f2328;color:#fff;padding:.6rem 1.25rem;display:flex;gap:1.25rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header nav{display:flex;gap:1rem;flex-wrap:wrap}header form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.5rem;margin:1rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
a{color:#0b5cad}table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:1rem;margin:0 0 1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.stat{font-size:1.6rem;font-weight:600}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}input,select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #8c959f;border-radius:4px;max-width:100%}
textarea{width:100%;min-height:6rem}
button{font:inherit;font-weight:600;padding:.45rem .9rem;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}
button.secondary{background:#eaeef2;color:#1f2328}button.danger{background:#b3261e}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}.actions form{margin:0}
.notice{border-left:4px solid #0b5cad;background:#eef5fc;padding:.6rem .9rem}.error{border-left:4px solid #b3261e;background:#fdf0ef;padding:.6rem .9rem}
.previews{display:flex;gap:1rem;flex-wrap:wrap;align-items:flex-start}.previews figure{margin:0}
iframe{border:1px solid #d0d7de;background:#fff}pre{white-space:pre-wrap;margin:0;padding:.75rem}.scroll{background:#fff;border:1px solid #d0d7de;max-height:30rem;overflow:auto}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:999px;font-size:.85em;font-weight:600;background:#eaeef2;color:#1f2328;white-space:nowrap}
.badge-sent,.badge-confirmed,.badge-done{background:#dafbe1;color:#116329}.badge-sending,.badge-scheduled,.badge-pending,.badge-running{background:#ddf4ff;color:#0a3069}
.badge-paused{background:#fff8c5;color:#6c4a00}.badge-cancelled,.badge-bounced,.badge-complained,.badge-failed,.badge-suppressed{background:#ffebe9;color:#a40e26}
.key{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;vertical-align:-.05rem}.key-in{background:#1a7f37}.key-out{background:#b3261e;margin-left:.75rem}
.bar{height:.8rem;background:#eaeef2;border-radius:4px;overflow:hidden}.bar span{display:block;height:100%;background:#1a7f37}
iframe,svg,.previews figure{max-width:100%}svg{height:auto}main{overflow-wrap:anywhere}
@media (max-width:40rem){table{display:block;overflow-x:auto}main{padding:1rem .75rem 3rem}select{width:100%}}
`;

export type AdminPageProps = {
  publication: Publication;
  title: string;
  csrf?: string;
  editor?: string;
  children: Child;
  refresh?: number;
};

export function AdminLayout(props: AdminPageProps) {
  // The doctype puts the browser in standards mode; JSX cannot write one, so it goes in raw.
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          {props.refresh ? <meta http-equiv="refresh" content={String(props.refresh)} /> : null}
          <title>{`${props.title} · ${props.publication.name} admin`}</title>
          {/* Raw: JSX escapes text, and an escaped stylesheet loses every quoted font name. */}
          <style>{raw(styles)}</style>
        </head>
        <body>
          <header>
            <strong>
              <a href="/admin">{props.publication.name}</a>
            </strong>
            {props.csrf ? (
              <nav aria-label="Admin">
                <a href="/admin">Dashboard</a>
                <a href="/admin/articles">Articles</a>
                <a href="/admin/issues">Issues</a>
                <a href="/admin/subscribers">Subscribers</a>
                <a href="/admin/suppressions">Suppressions</a>
                <a href="/admin/outbox">Outbox</a>
              </nav>
            ) : null}
            {props.csrf ? (
              <form method="post" action="/admin/sign-out">
                <input type="hidden" name="_csrf" value={props.csrf} />
                <button type="submit" class="secondary">
                  Sign out{props.editor ? ` (${props.editor})` : ''}
                </button>
              </form>
            ) : null}
          </header>
          <main>
            <h1>{props.title}</h1>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

/** Every state-changing admin form carries the session's CSRF token. */
export const Csrf = (props: { token: string }) => (
  <input type="hidden" name="_csrf" value={props.token} />
);

/** A one-button form: the admin's verbs are POSTs. */
export function ActionButton(props: {
  action: string;
  csrf: string;
  label: string;
  kind?: 'secondary' | 'danger';
  fields?: Record<string, string>;
}) {
  return (
    <form method="post" action={props.action}>
      <Csrf token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind}>
        {props.label}
      </button>
    </form>
  );
}
