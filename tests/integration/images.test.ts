/**
 * Images on the local stack (dynalite, s3rver): an editor's upload through the admin API is
 * checked by its bytes, resized to the email's width, stripped of its metadata and served at a
 * stable URL cached for ever; a content/ article's relative image is served by the site and
 * fitted to the email's column with an absolute address.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import type { Issue } from '../../functions/core/issues/issue.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { quietLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editorKey: string;
let viewerKey: string;

const ARTICLE = `---
title: Where the road goes
date: 2026-11-30
summary: A map of the new road.
topics: [security]
desk: Maps desk
---
The road, as planned:

![Map of the planned road](images/map.png)
`;

beforeAll(async () => {
  const contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-images-')), 'content');
  await cp('content', contentDir, { recursive: true });
  await cp('tests/fixtures/content/images', join(contentDir, 'images'), { recursive: true });
  await writeFile(join(contentDir, 'where-the-road-goes.md'), ARTICLE);
  stack = await startTestStack({ CONTENT_DIR: contentDir });
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  const key = async (role: 'editor' | 'viewer') =>
    (
      await createApiKey(stack.deps, {
        name: `Images ${role}`,
        email: `${role}@newsroom.example`,
        role,
      })
    ).key;
  editorKey = await key('editor');
  viewerKey = await key('viewer');
}, 60_000);
afterAll(async () => stack?.close());

/** A multipart POST as a client sends one: the file under `file`, the alt text beside it. */
function upload(
  file: Uint8Array | undefined,
  alt: string | undefined,
  options: { name?: string; key?: string } = {},
) {
  const form = new FormData();
  if (file)
    form.set('file', new Blob([file as Uint8Array<ArrayBuffer>]), options.name ?? 'photo.png');
  if (alt !== undefined) form.set('alt', alt);
  return app.request('/api/admin/images', {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key ?? editorKey}` },
    body: form,
  });
}

const png = async (width: number, height: number) =>
  new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: '#3a7bd5' } })
      .png()
      .toBuffer(),
  );

/** An error answer's body, as the API's envelope says. */
type Refusal = { error: { issues: { field: string; message: string }[] } };
const issuesOf = async (response: Response) => ((await response.json()) as Refusal).error.issues;

type Answer = {
  image: { url: string; path: string; width: number; height: number; markdown: string };
};

describe('uploading an image (admin API, s3rver)', () => {
  it('a 2000 px PNG comes back 1200 px wide, served at its URL for ever, the same bytes each time', async () => {
    const response = await upload(await png(2000, 1000), 'A blue field');
    expect(response.status).toBe(201);
    const { image } = (await response.json()) as Answer;
    expect(image).toMatchObject({ width: 1200, height: 600 });
    expect(image.url).toBe(`${stack.appUrl}${image.path}`);
    expect(image.path).toMatch(/^\/images\/[0-9a-f]{32}-1200x600\.png$/);
    expect(image.markdown).toBe(`![A blue field](${image.path})`);
    const first = await fetch(image.url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = new Uint8Array(await first.arrayBuffer());
    expect((await sharp(bytes).metadata()).width).toBe(1200);
    const second = new Uint8Array(await (await fetch(image.url)).arrayBuffer());
    expect(Buffer.from(second).equals(Buffer.from(bytes))).toBe(true);
  });

  it('an animated GIF keeps its frames, each resized; the upload is in the audit log', async () => {
    const frame = (background: string) =>
      sharp({ create: { width: 1500, height: 500, channels: 3, background } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('#c33'), await frame('#3c3'), await frame('#33c')], {
      join: { animated: true },
    })
      .gif()
      .toBuffer();
    expect((await sharp(gif, { animated: true }).metadata()).pages).toBe(3);
    const response = await upload(new Uint8Array(gif), 'A blinking light', { name: 'blink.gif' });
    const { image } = (await response.json()) as Answer;
    expect(image).toMatchObject({ width: 1200, height: 400 });
    const served = Buffer.from(await (await fetch(image.url)).arrayBuffer());
    const metadata = await sharp(served, { animated: true }).metadata();
    expect(metadata).toMatchObject({ format: 'gif', pages: 3, width: 1200, pageHeight: 400 });
    const audit = await stack.deps.auditLog.recent(50, new Date());
    expect(
      audit.some((e) => e.action === 'POST /api/admin/images' && e.actor === 'Images editor'),
    ).toBe(true);
  });

  it('a small image is never enlarged; the same image twice is the same URL', async () => {
    const file = await png(300, 200);
    const a = ((await (await upload(file, 'Small')).json()) as Answer).image;
    const b = ((await (await upload(file, 'Small again')).json()) as Answer).image;
    expect(a).toMatchObject({ width: 300, height: 200 });
    expect(b.url).toBe(a.url);
  });

  it('a photo loses its EXIF (the GPS position of where it was taken)', async () => {
    const photo = await sharp({
      create: { width: 1600, height: 1200, channels: 3, background: '#777' },
    })
      .jpeg()
      .withExif({
        IFD0: { Make: 'PhoneMaker', Copyright: 'secret-serial-123' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '41/1 19/1 0/1' },
      })
      .toBuffer();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const { image } = (await (
      await upload(new Uint8Array(photo), 'A grey wall', { name: 'wall.jpg' })
    ).json()) as Answer;
    expect(image.path).toMatch(/-1200x900\.jpg$/);
    const served = Buffer.from(await (await fetch(image.url)).arrayBuffer());
    const metadata = await sharp(served).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(served.includes('secret-serial-123')).toBe(false);
    expect(served.includes('PhoneMaker')).toBe(false);
  });

  it('refuses an SVG, a text file named .png and an oversized file, naming the field', async () => {
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
    );
    const text = new TextEncoder().encode('just some words, not a picture');
    for (const [file, name] of [
      [svg, 'logo.svg'],
      [text, 'notes.png'],
    ] as const) {
      const response = await upload(file, 'Something', { name });
      expect(response.status).toBe(422);
      expect(await issuesOf(response)).toEqual([
        { field: 'file', message: 'must be a PNG, JPEG, GIF or WebP image' },
      ]);
    }
    const big = new Uint8Array(4 * 1024 * 1024 + 10);
    big.set(await png(10, 10));
    const tooBig = await upload(big, 'Huge');
    expect(tooBig.status).toBe(413);
    expect(await issuesOf(tooBig)).toEqual([{ field: 'file', message: 'is larger than 4 MB' }]);
  });

  it('refuses an image without alt text, a form without a file, and a viewer', async () => {
    const file = await png(50, 50);
    const noAlt = await upload(file, '   ');
    expect(noAlt.status).toBe(422);
    expect(await issuesOf(noAlt)).toEqual([
      { field: 'alt', message: 'is required: describe the image for readers who cannot see it' },
    ]);
    const noFile = await upload(undefined, 'Nothing');
    expect(noFile.status).toBe(422);
    expect((await issuesOf(noFile))[0]!.field).toBe('file');
    expect((await upload(file, 'Mine', { key: viewerKey })).status).toBe(403);
    const json = await app.request('/api/admin/images', {
      method: 'POST',
      headers: { authorization: `Bearer ${editorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ file: 'x', alt: 'y' }),
    });
    expect(json.status).toBe(415);
    // The route's schema answers it (the body is required, as multipart/form-data).
    expect((await issuesOf(json)).map((i) => i.field)).toEqual(['(content-type)']);
  });

  it('answers 404 for an unknown image, and for any other name under /images/', async () => {
    for (const path of [
      `/images/${'0'.repeat(32)}-10x10.png`,
      '/images/../package.json',
      '/images/content/nope.png',
      '/images/content/..%2Ftopics.json',
    ])
      expect((await fetch(`${stack.appUrl}${path}`)).status, path).toBe(404);
  });

  it('is in the OpenAPI document, as multipart/form-data', async () => {
    const document = (await (await app.request('/api/admin/openapi.json')).json()) as {
      paths: Record<string, { post: { requestBody: { content: object } } }>;
    };
    expect(Object.keys(document.paths['/images']!.post.requestBody.content)).toEqual([
      'multipart/form-data',
    ]);
  });
});

describe("a content/ article's relative image", () => {
  it('is served by the site and shown on the article page with its size', async () => {
    const page = await (await fetch(`${stack.appUrl}/articles/where-the-road-goes`)).text();
    expect(page).toContain(
      '<img src="/images/content/map.png" width="900" height="450" alt="Map of the planned road">',
    );
    const served = await fetch(`${stack.appUrl}/images/content/map.png`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await served.arrayBuffer()).equals(
        await readFile('tests/fixtures/content/images/map.png'),
      ),
    ).toBe(true);
  });

  it('in the email has an absolute address and the column’s width; so has an upload', async () => {
    const { image } = (await (await upload(await png(2000, 1000), 'Wide')).json()) as Answer;
    const article = (await stack.deps.articles.bySlug('where-the-road-goes'))!;
    const withUpload = {
      ...article,
      emailHtml: `${article.emailHtml}<p><img src="${image.path}" alt="Wide" width="1200" height="600"></p>`,
    };
    const issue: Issue = {
      id: 'road',
      content: { kind: 'article', slug: article.slug },
      subject: article.title,
      audience: { topics: ['security'], frequencies: ['immediate'] },
      state: 'draft',
      deliveryKey: 'article:road',
      createdAt: '2026-11-30T00:00:00.000Z',
      updatedAt: '2026-11-30T00:00:00.000Z',
      version: 1,
    };
    const { html } = await stack.deps.renderer.render(issue, [withUpload], stack.deps.publication);
    const images = [...html.matchAll(/<img\b[^>]*>/g)]
      .map((m) => m[0])
      .filter((tag) => tag.includes('/images/'));
    expect(images).toHaveLength(2);
    expect(images[0]).toContain(`src="${stack.appUrl}/images/content/map.png"`);
    expect(images[1]).toContain(`src="${image.url}"`);
    for (const tag of images) {
      expect(tag).toContain('width="552"');
      expect(tag).toContain('height:auto');
    }
  });

  it('an article naming an image that is not in content/images/ fails to load, naming it', async () => {
    const { parseArticle } = await import('../../functions/core/content/article.js');
    expect(() =>
      parseArticle(
        'lost.md',
        ARTICLE.replace('map.png', 'lost.png'),
        stack.deps.publication.topics,
      ),
    ).toThrow('(body): the image images/lost.png is not in content/images/');
  });
});
