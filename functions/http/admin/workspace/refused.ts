import type { Context, MiddlewareHandler } from 'hono';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import type { Refused } from '../pages/form-problems.js';
import type { WorkspaceEnv } from './page.js';

/**
 * Refused input comes back on the page of the form it was typed in (422), kept, each problem
 * said once by its field's label, instead of an error page the editor must go back from. It runs
 * around the route's other handlers, the ask-first question included, so input that cannot be
 * acted on is refused before anything is asked. Any other error is the error page's, as before.
 */
export const backOnTheForm =
  (
    again: (c: Context<WorkspaceEnv>, refused: Refused) => Promise<Response>,
  ): MiddlewareHandler<WorkspaceEnv> =>
  async (c, next) => {
    await next();
    const error = c.error;
    if (!(error instanceof DomainError) || error.code !== ErrorCodes.invalidInput) return;
    const form = await c.req.parseBody();
    const input = Object.fromEntries(
      Object.entries(form).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== '_csrf',
      ),
    );
    // Unset first: a response set over another takes the old one's headers along.
    c.res = undefined;
    c.res = await again(c, { input, problems: error.details.issues ?? [], message: error.message });
  };
