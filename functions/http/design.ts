/**
 * The one visual system of the public pages and the workspace, matching the emails' templates
 * (templates/partials/head.mjml, masthead.mjml): the same ink, muted grey, rule, link blue and red,
 * Georgia for reading and headings, the system sans for the interface, and the masthead as the
 * emails set it (bold, letter-spaced, muted). Each layout adds its own page rules after this.
 */
export const designTokens = `
:root{--ink:#1f2328;--muted:#57606a;--rule:#d0d7de;--paper:#fff;--wash:#f6f8fa;--accent:#0b5cad;--accent-wash:#eef5fc;--danger:#b3261e;--danger-wash:#fdf0ef;--ok:#1a7f37;--serif:Georgia,'Times New Roman',serif;--sans:system-ui,-apple-system,'Segoe UI',sans-serif}
*{box-sizing:border-box}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
h1,h2{font-family:var(--serif);font-weight:700;line-height:1.25}
.masthead{font:700 .9rem/1.4 var(--sans);letter-spacing:.06em;color:var(--muted);text-decoration:none}
button{font-family:var(--sans);font-weight:600;border:0;border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#eaeef2;color:var(--ink)}button.danger{background:var(--danger)}
fieldset{border:1px solid var(--rule);border-radius:6px;padding:.75rem 1rem}
legend{font-weight:600;padding:0 .25rem}
fieldset label{display:flex;gap:.5rem;align-items:baseline;margin:.35rem 0;font-weight:400}
.notice{border-left:4px solid var(--accent);background:var(--accent-wash);padding:.75rem 1rem;font-family:var(--sans)}
.notice.problem{border-left-color:var(--danger);background:var(--danger-wash)}
.skip{position:absolute;left:-10000px;top:0}
.skip:focus{left:1rem;top:.5rem;background:var(--paper);padding:.25rem .5rem;z-index:1}
`;
