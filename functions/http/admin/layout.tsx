import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Publication } from '../../core/publication.js';
import { designTokens } from '../design.js';

const styles = `${designTokens}
body{margin:0;font:15px/1.5 var(--sans);color:var(--ink);background:var(--wash)}
header{background:var(--paper);border-bottom:1px solid var(--rule);padding:.75rem 1.25rem;display:flex;gap:.5rem 1.5rem;align-items:center;flex-wrap:wrap}
header .masthead small{font-weight:600;letter-spacing:0;margin-left:.5rem;padding-left:.5rem;border-left:1px solid var(--rule)}
header nav{display:flex;gap:.25rem 1rem;flex-wrap:wrap}header nav a{color:var(--ink);text-decoration:none;font-weight:600}
header nav a:hover{color:var(--accent);text-decoration:underline}header form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.75rem;margin:1rem 0}h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%;background:var(--paper)}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--rule);vertical-align:top}
table{overflow-wrap:break-word}th{overflow-wrap:normal;font-size:.9em;color:var(--muted)}
.card{background:var(--paper);border:1px solid var(--rule);border-radius:6px;padding:1rem;margin:0 0 1rem}.card>:first-child{margin-top:0}.card>:last-child{margin-bottom:0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.stat{font-size:1.6rem;font-weight:600}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}input,select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #8c959f;border-radius:4px;max-width:100%}
textarea{width:100%;min-height:6rem}fieldset{margin:.75rem 0}
button{font-size:inherit;padding:.45rem .9rem}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}.actions form{margin:0}
.notice{padding:.6rem .9rem}.error{border-left:4px solid var(--danger);background:var(--danger-wash);padding:.6rem .9rem}
.previews{display:flex;gap:1rem;flex-wrap:wrap;align-items:flex-start}.previews figure{margin:0}
iframe{border:1px solid var(--rule);background:var(--paper)}pre{white-space:pre-wrap;margin:0;padding:.75rem}.scroll{background:var(--paper);border:1px solid var(--rule);max-height:30rem;overflow:auto}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:999px;font-size:.85em;font-weight:600;background:#eaeef2;color:var(--ink);white-space:nowrap}
.badge-sent,.badge-confirmed,.badge-done{background:#dafbe1;color:#116329}.badge-sending,.badge-scheduled,.badge-pending,.badge-running{background:#ddf4ff;color:#0a3069}
.badge-paused{background:#fff8c5;color:#6c4a00}.badge-cancelled,.badge-bounced,.badge-complained,.badge-failed,.badge-suppressed{background:#ffebe9;color:#a40e26}
.key{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;vertical-align:-.05rem}.key-in{background:var(--ok)}.key-out{background:var(--danger);margin-left:.75rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0 0 1rem}.facts dt{font-weight:600}.facts dd{margin:0}
.bar{height:.8rem;background:#eaeef2;border-radius:4px;overflow:hidden}.bar span{display:block;height:100%;background:var(--ok)}
iframe,svg,img,.previews figure{max-width:100%}svg,img{height:auto}main{overflow-wrap:anywhere}
@media (max-width:40rem){table{display:block;overflow-x:auto}main{padding:1rem .75rem 3rem}select{width:100%}header{padding:.75rem}}
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
            <a class="masthead" href="/admin">
              {props.publication.name}
              <small>Workspace</small>
            </a>
            {props.csrf ? (
              <nav aria-label="Admin">
                <a href="/admin">Dashboard</a>
                <a href="/admin/articles">Articles</a>
                <a href="/admin/images">Images</a>
                <a href="/admin/issues">Issues</a>
                <a href="/admin/subscribers">Subscribers</a>
                <a href="/admin/segments">Segments</a>
                <a href="/admin/suppressions">Suppressions</a>
                <a href="/admin/outbox">Outbox</a>
                <a href="/admin/webhooks">Webhooks</a>
                <a href="/admin/audit">Audit</a>
                <a href="/admin/editors">Editors</a>
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
