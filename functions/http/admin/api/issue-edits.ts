import { createRoute } from '@hono/zod-openapi';
import { editIssue, editIssueSchema } from '../../../core/issues/edit-issue.js';
import { topicIds } from '../../../core/issues/manage-issues.js';
import type { AdminDeps } from '../deps.js';
import { apiApp, idempotent, ok } from './context.js';
import { TransitionSchema } from './issues.js';
import { errors, IdempotencyHeader, IdParam, json } from './schemas.js';

/** Editing a draft or a scheduled issue: any of the fields it was created with, and its history. */
export function issueEditsApi(deps: AdminDeps) {
  const api = apiApp();
  const change = idempotent(deps);
  const body = editIssueSchema(topicIds(deps), deps.publication.fields).openapi('EditIssue', {
    description:
      'Fields left out are unchanged; an empty editorNote removes the note. Give the `version` you read to be refused (409) if anyone changed the issue since.',
  });
  api.openapi(
    createRoute({
      method: 'patch',
      path: '/issues/{id}',
      summary:
        'Edit a draft or scheduled issue (subject, note, audience, article), kept in its history',
      security: [{ bearer: [] }],
      request: {
        params: IdParam,
        headers: IdempotencyHeader,
        body: { required: true, content: json(body) },
      },
      responses: {
        200: {
          description: 'The issue after the edit (changed: false if it changed nothing)',
          content: json(TransitionSchema),
        },
        ...errors,
        409: {
          description:
            'The issue started sending (or was paused or cancelled), or changed since `version`: nothing was changed',
          content: errors[409].content,
        },
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const id = c.req.valid('param').id;
      return change(c, input, async () =>
        ok(await editIssue(deps, id, input, c.get('apiKey').name)),
      ) as never;
    },
  );
  return api;
}
