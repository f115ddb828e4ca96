import fc from 'fast-check';
import { expect } from 'vitest';

/** Payloads a hostile client would try first: markup, script URLs, header breaks, NUL, path tricks, prototype keys. */
export const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  'javascript:alert(1)',
  'JaVaScRiPt:alert(document.cookie)',
  'data:text/html,<script>alert(1)</script>',
  '{{constructor.constructor("alert(1)")()}}',
  '%%unsubscribe_url%%',
  'x\r\nBcc: victim@example.com',
  'x\nSubject: injected',
  'a\u0000b',
  '\u202eevil\u202c',
  '../../../../etc/passwd',
  '__proto__',
  'constructor',
  '\ud800',
  '💥'.repeat(50),
  'a@b.c\u0000@evil.example',
  '=cmd|" /C calc"!A0',
];

/** Strings of every kind: arbitrary unicode (lone surrogates included), hostile, huge, with CR/LF and NUL. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('\r\n', '\n', '\r', '\0', '\t', '\u2028'),
        fc.string({ maxLength: 20 }),
      )
      .map(([a, b, c]) => a + b + c),
  },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 20_000 }).map((n) => 'A'.repeat(n)) },
);

export type Sent = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | FormData;
};

export const requestInit = (sent: Sent): RequestInit => ({
  method: sent.method,
  headers: sent.headers,
  body: sent.body,
});

/** Sends through the app (`app.request`, no network) and holds the answer to `checkResponse`. */
export async function sendChecked(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  sent: Sent,
) {
  const response = await app.request(sent.path, requestInit(sent));
  await checkResponse(sent, response);
  return response;
}

/** A generated string as a path segment; a lone surrogate (which encodeURIComponent refuses) as its bytes. */
export const encodeSegment = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

/** Counts over the whole file, for the report. */
export const tally = { requests: 0, statuses: {} as Record<number, number> };

const describeRequest = (sent: Sent) =>
  `${sent.method} ${sent.path.slice(0, 200)} ${JSON.stringify(sent.headers).slice(0, 300)} ${typeof sent.body === 'string' ? JSON.stringify(sent.body.slice(0, 300)) : '(form data)'}`;

/**
 * What every answer must be, whatever was sent: not a server error; JSON rejections on /api/*
 * that say what is wrong; nosniff; and no redirect to anywhere but this site.
 */
export async function checkResponse(sent: Sent, response: Response) {
  tally.requests++;
  tally.statuses[response.status] = (tally.statuses[response.status] ?? 0) + 1;
  const what = describeRequest(sent);
  const text = await response.clone().text();
  expect(response.status, `${what}\n-> ${text.slice(0, 500)}`).toBeLessThan(500);
  expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
  const location = response.headers.get('location');
  if (location !== null)
    expect(location, `${what} redirects to ${location}`).toMatch(/^\/(?![/\\])/);
  if (
    sent.path.startsWith('/api/') &&
    response.status >= 400 &&
    response.status < 500 &&
    sent.method !== 'OPTIONS'
  ) {
    expect(response.headers.get('content-type'), what).toMatch(/^application\/json/);
    const body = JSON.parse(text) as {
      error?: {
        code?: unknown;
        message?: unknown;
        issues?: { field?: unknown; message?: unknown }[];
      };
    };
    expect(typeof body.error?.code, `${what}: ${text}`).toBe('string');
    expect(typeof body.error?.message, `${what}: ${text}`).toBe('string');
    if ([400, 413, 415, 422].includes(response.status)) {
      expect(
        body.error?.issues?.length,
        `${what}: a rejection names its field: ${text}`,
      ).toBeGreaterThan(0);
      for (const issue of body.error!.issues!) {
        expect(issue.field, `${what}: ${text}`).toEqual(expect.stringMatching(/\S/));
        expect(issue.message, `${what}: ${text}`).toEqual(expect.stringMatching(/\S/));
      }
    }
  }
}
