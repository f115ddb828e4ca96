import { Hono } from 'hono';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import { editIssue } from '../../../core/issues/edit-issue.js';
import { statusOf } from '../../errors.js';
import type { AdminDeps } from '../deps.js';
import { showIssue } from './issue-page.js';
import { composeInput } from './issues.js';
import { redirect, type WorkspaceEnv } from './page.js';

/** The edit form of an issue's page (mounted at /admin/issues). */
export const issueEditRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>().post('/:id/edit', async (c) => {
    const body = await c.req.parseBody({ all: true });
    const input = composeInput(body);
    const id = c.req.param('id');
    try {
      const { changed } = await editIssue(
        deps,
        id,
        {
          article: input.article,
          subject: input.subject,
          editorNote: input.editorNote,
          // The form shows the issue's audience ticked: a box unticked is taken out, and none
          // ticked is refused (422 naming the field), never read as everyone.
          topics: input.topics ?? [],
          frequencies: input.frequencies ?? [],
          version: /^\d+$/.test(String(body.version)) ? Number(body.version) : undefined,
        },
        c.get('key').name,
      );
      return redirect(c, `/admin/issues/${id}?notice=${changed ? 'edited' : 'unchanged'}`);
    } catch (error) {
      // A field refused, or the issue moved on (it started, someone else edited it): the issue's
      // page again, with the form as it was typed and what was wrong.
      const kept = [ErrorCodes.invalidInput, ErrorCodes.conflict] as string[];
      if (!(error instanceof DomainError) || !kept.includes(error.code)) throw error;
      const refused = { input, issues: error.details.issues ?? [], message: error.message };
      return showIssue(deps, c, refused, statusOf[error.code]);
    }
  });
