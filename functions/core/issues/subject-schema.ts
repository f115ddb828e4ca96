import * as z from 'zod';
import { mergeTagProblems } from '../email/merge-tags.js';
import type { FieldDefinition } from '../subscribers/fields.js';

/** An issue's subject line (and each A/B variant's): one line, its merge tags known. */
export const subjectSchema = (fields: readonly FieldDefinition[] = []) =>
  z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[^\r\n]*$/, 'must be one line')
    // A reader's merge tags (`%%name|there%%`) are filled per reader; any other is refused.
    .superRefine((subject, ctx) => {
      for (const message of mergeTagProblems(subject, fields))
        ctx.addIssue({ code: 'custom', message });
    });
