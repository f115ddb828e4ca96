import type { Context } from 'hono';
import { DomainError, ErrorCodes, invalidInput } from '../../../core/errors.js';
import {
  DIGEST_FREQUENCIES,
  digestSegments,
  setDigestSegment,
} from '../../../core/segments/manage.js';
import type { AdminDeps } from '../deps.js';
import { redirect, type WorkspaceEnv } from './page.js';

/**
 * The Segments page's "Digests" form: who each frequency's digest goes to. Only a changed choice
 * is written (setting one checks it reaches someone: a read of the frequency's readers); a
 * refusal is named by its frequency's select.
 */
export const saveDigests = (deps: AdminDeps) => async (c: Context<WorkspaceEnv>) => {
  const form = await c.req.parseBody();
  const current = await digestSegments(deps);
  for (const frequency of DIGEST_FREQUENCIES) {
    const field = `digest-${frequency}`;
    const wanted = typeof form[field] === 'string' ? form[field] : '';
    if (wanted === (current[frequency]?.id ?? '')) continue;
    await setDigestSegment(deps, frequency, wanted || null).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === ErrorCodes.invalidInput)
        throw invalidInput((error.details.issues ?? []).map((i) => ({ ...i, field })));
      throw error;
    });
  }
  return redirect(c, '/admin/segments?notice=digest_segments_saved');
};
