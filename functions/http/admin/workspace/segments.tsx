import { type Context, Hono } from 'hono';
import {
  createSegment,
  digestSegments,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
} from '../../../core/segments/manage.js';
import { segmentInputSchema } from '../../../core/segments/segment.js';
import { parseInput } from '../../../core/subscribers/input.js';
import type { AdminDeps } from '../deps.js';
import type { Refused } from '../pages/form-problems.js';
import { SegmentList, SegmentPage } from '../pages/segments.js';
import { askFirst } from './ask-first.js';
import { noticeOf, page, redirect, type WorkspaceEnv } from './page.js';
import { backOnTheForm } from './refused.js';
import { saveDigests } from './digest-segments.js';
import { onTheForm, segmentFormInput } from './segment-form.js';

const asText = (form: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(form).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== '_csrf',
    ),
  );

/** Segments in the workspace: the list, a new one previewed then saved, one's page, delete. */
export const segmentRoutes = (deps: AdminDeps) => {
  const list = async (
    c: Context<WorkspaceEnv>,
    refused?: Refused,
    previewed?: Parameters<typeof SegmentList>[0]['previewed'],
  ) => {
    const [segments, digests] = await Promise.all([listSegments(deps), digestSegments(deps)]);
    const status = refused ? 422 : 200;
    const body = (
      <SegmentList
        publication={deps.publication}
        segments={segments}
        digests={digests}
        previewed={previewed}
        refused={refused}
        notice={noticeOf(c)}
        csrf={c.get('session').csrf}
      />
    );
    return page(c, 'Segments', body, status);
  };
  return new Hono<WorkspaceEnv>()
    .get('/', (c) => list(c))
    .post('/', backOnTheForm(list), async (c) => {
      const form = await c.req.parseBody();
      const { input, sources } = segmentFormInput(form, deps.publication);
      // "Preview" counts the definition as typed and saves nothing: the form comes back filled.
      if (form.action === 'preview') {
        const definition = await onTheForm(sources, async () =>
          parseInput(segmentInputSchema(deps.publication), input),
        );
        return list(c, undefined, {
          form: asText(form),
          preview: await previewSegment(deps, definition),
        });
      }
      const segment = await onTheForm(sources, () => createSegment(deps, input));
      return redirect(c, `/admin/segments/${segment.id}?notice=segment_saved`);
    })
    .post('/digests', backOnTheForm(list), saveDigests(deps))
    .get('/:id', async (c) => {
      const segment = await getSegment(deps, c.req.param('id'));
      return page(
        c,
        `Segment: ${segment.name}`,
        <SegmentPage
          segment={segment}
          preview={await previewSegment(deps, segment)}
          publication={deps.publication}
          csrf={c.get('session').csrf}
          notice={noticeOf(c)}
        />,
      );
    })
    .post(
      '/:id/delete',
      askFirst(async (c) => {
        const segment = await getSegment(deps, c.req.param('id') ?? '');
        return {
          title: `Delete the segment "${segment.name}"?`,
          says: `The segment "${segment.name}" is deleted for good: it cannot be chosen for a new issue again. Issues already made for it keep their copy of its rules and send as they would have.`,
          button: `Delete "${segment.name}"`,
          back: `/admin/segments/${segment.id}`,
        };
      }),
      async (c) => {
        await deleteSegment(deps, c.req.param('id'));
        return redirect(c, '/admin/segments?notice=segment_deleted');
      },
    );
};
