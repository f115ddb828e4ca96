import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Publication } from '../../core/publication.js';
import { designTokens } from '../design.js';
import { FEED_PATHS } from '../feed-paths.js';
import { TURNSTILE_SCRIPT } from '../turnstile.js';

const styles = `${designTokens}
body{margin:0;font:17px/1.6 var(--serif);color:var(--ink);background:var(--paper)}
header,main,footer{max-width:42rem;margin:0 auto;padding:0 1.25rem}
header{padding-top:1.25rem;padding-bottom:.75rem;border-bottom:1px solid var(--rule);display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:.25rem 1rem;font:600 .9rem/1.4 var(--sans)}
header nav a{margin-left:1rem;color:var(--ink);text-decoration:none}
header nav a:first-child{margin-left:0}
header nav a:hover{color:var(--accent);text-decoration:underline}
h1{font-size:2rem;line-height:1.2;margin:1.5rem 0 1rem}
h2{font-size:1.35rem;line-height:1.3;margin:2rem 0 .5rem}
.meta,.hint,label,legend,input,footer{font-family:var(--sans)}
.meta,.hint{font-size:.9rem;color:var(--muted)}
form.stack{display:grid;gap:1rem;margin:1.5rem 0}
label{display:block;font-size:1rem}
input[type=email]{width:100%;font-size:1.05rem;padding:.6rem .7rem;border:1px solid #8c959f;border-radius:4px;margin-top:.25rem}
button{font-size:1rem;padding:.7rem 1.4rem;justify-self:start}
.error{color:var(--danger);font-family:var(--sans);font-size:.95rem;margin:.25rem 0 0}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
footer{margin-top:3rem;padding-top:1rem;padding-bottom:2rem;border-top:1px solid var(--rule);font-size:.85rem;color:var(--muted)}
main{overflow-wrap:break-word}
img,video{max-width:100%;height:auto}
pre,table{display:block;max-width:100%;overflow-x:auto}
@media (max-width:30rem){body{font-size:16px}h1{font-size:1.6rem}header nav a{margin-left:.75rem}}
`;

export function Layout(props: {
  title: string;
  publication: Publication;
  children: Child;
  description?: string;
}) {
  const { publication } = props;
  // The doctype puts the browser in standards mode; JSX cannot write one, so it goes in raw.
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>
            {props.title === publication.name
              ? publication.name
              : `${props.title} · ${publication.name}`}
          </title>
          {props.description ? <meta name="description" content={props.description} /> : null}
          {/* Feed autodiscovery: browsers and feed readers find the feeds from any page. */}
          <link
            rel="alternate"
            type="application/rss+xml"
            title={`${publication.name} (RSS)`}
            href={`${publication.baseUrl}${FEED_PATHS.rss}`}
          />
          <link
            rel="alternate"
            type="application/atom+xml"
            title={`${publication.name} (Atom)`}
            href={`${publication.baseUrl}${FEED_PATHS.atom}`}
          />
          {/* Raw: JSX escapes text, and an escaped stylesheet loses every quoted font name. */}
          <style>{raw(styles)}</style>
          {/* Every public page carries the signup form, so every one needs the widget's script. */}
          {publication.captchaSiteKey ? <script src={TURNSTILE_SCRIPT} async defer /> : null}
        </head>
        <body>
          {/* Keyboard and screen-reader users jump past the masthead straight to the page. */}
          <a class="skip" href="#content">
            Skip to content
          </a>
          <header>
            <a class="masthead" href="/">
              {publication.name}
            </a>
            <nav aria-label="Site">
              <a href="/articles">Articles</a>
              <a href="/">Subscribe</a>
            </nav>
          </header>
          <main id="content">{props.children}</main>
          <footer>
            <p>
              {publication.name} · {publication.postalAddress}
            </p>
            <p>
              <a href="/articles">All articles</a> · Follow by feed:{' '}
              <a href={FEED_PATHS.rss}>RSS</a> · <a href={FEED_PATHS.atom}>Atom</a> ·{' '}
              <a href="/embed">Put the signup form on your site</a>
            </p>
          </footer>
        </body>
      </html>
    </>
  );
}

/** A page that only says something: confirmations, errors, "check your inbox". */
export function MessagePage(props: { publication: Publication; title: string; children: Child }) {
  return (
    <Layout title={props.title} publication={props.publication}>
      <h1>{props.title}</h1>
      {props.children}
    </Layout>
  );
}
