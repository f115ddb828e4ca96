import { audited } from '../audited.js';
import type { AdminDeps } from '../deps.js';
import { ambiguousApi } from './ambiguous.js';
import { approvalsApi } from './approvals.js';
import { articleEditsApi } from './article-edits.js';
import { articlesApi } from './articles.js';
import { apiApp, requireKey } from './context.js';
import { digestsApi } from './digests.js';
import { engagementApi } from './engagement.js';
import { exportsApi } from './exports.js';
import { imagesApi } from './images.js';
import { importsApi } from './imports.js';
import { issueEditsApi } from './issue-edits.js';
import { issuesApi } from './issues.js';
import { outboxApi } from './outbox.js';
import { segmentsApi } from './segments.js';
import { sendingHoldApi } from './sending-hold.js';
import { subscribersApi } from './subscribers.js';
import { suppressionsApi } from './suppressions.js';
import { testSendsApi } from './test-sends.js';
import { webhooksApi } from './webhooks.js';

/**
 * The admin API under /api/admin, described by an OpenAPI 3.1 document built from the same zod
 * schemas that validate the requests (`/api/admin/openapi.json`, readable at `/api/admin/docs`).
 * `Authorization: Bearer <key>` on every call; viewer keys read, editor keys also change.
 */
export function adminApiRoutes(deps: AdminDeps) {
  const api = apiApp();
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key made with `npm run keys -- create`',
  });
  api.use(
    '*',
    audited(deps, 'api', (c) => c.get('apiKey')),
  );
  api.use('*', requireKey(deps));
  api
    .route('/', issuesApi(deps))
    .route('/', issueEditsApi(deps))
    .route('/', engagementApi(deps))
    .route('/', ambiguousApi(deps))
    .route('/', digestsApi(deps))
    .route('/', subscribersApi(deps))
    .route('/', exportsApi(deps))
    .route('/', importsApi(deps))
    .route('/', suppressionsApi(deps))
    .route('/', articleEditsApi(deps))
    .route('/', articlesApi(deps))
    .route('/', approvalsApi(deps))
    .route('/', testSendsApi(deps))
    .route('/', outboxApi(deps))
    .route('/', sendingHoldApi(deps))
    .route('/', webhooksApi(deps))
    .route('/', segmentsApi(deps))
    .route('/', imagesApi(deps));

  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: `${deps.publication.name} admin API`, version: '1.0.0' },
    servers: [{ url: `${deps.publication.baseUrl}/api/admin` }],
  });

  api.get('/docs', (c) => {
    const document = api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: `${deps.publication.name} admin API`, version: '1.0.0' },
    });
    const rows = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { summary?: string }>).map(
        ([method, op]) =>
          `<tr><td><code>${method.toUpperCase()}</code></td><td><code>/api/admin${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? '')}</td></tr>`,
      ),
    );
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Admin API</title><style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}td{padding:.3rem .6rem;border-bottom:1px solid #ddd}</style></head><body><h1>${escapeHtml(deps.publication.name)} admin API</h1><p>Send <code>Authorization: Bearer &lt;key&gt;</code>. Creating and sending accept <code>Idempotency-Key</code>. The machine-readable description: <a href="/api/admin/openapi.json">openapi.json</a> (OpenAPI 3.1).</p><table><tbody>${rows.join('')}</tbody></table></body></html>`,
    );
  });

  return api;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
