/**
 * The blob store's contract, against s3rver behind the local stack's signature check: what an
 * export or an import relies on, seen from outside (the bytes read back, the HTTP status a link
 * gets), never the adapter's own bookkeeping.
 */
import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBucket } from '../../functions/adapters/s3/ensure-bucket.js';
import {
  BlobPartRejected,
  MIN_PART_BYTES,
  S3BlobStore,
} from '../../functions/adapters/s3/s3-blob-store.js';
import { startS3rver, type Running } from '../../local/emulators.js';

let s3: Running;
let client: S3Client;
let blobs: S3BlobStore;
const BUCKET = 'dispatch-blob-test';
const ORIGIN = 'http://127.0.0.1:3999';
const key = (name: string) => `tests/${randomUUID()}/${name}`;

beforeAll(async () => {
  s3 = await startS3rver({ port: 0 });
  client = new S3Client({
    endpoint: s3.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureBucket(client, BUCKET, ORIGIN);
  // Twice: the local stack calls it at every start, on a bucket that may exist.
  await ensureBucket(client, BUCKET, ORIGIN);
  blobs = new S3BlobStore(client, BUCKET);
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

describe('blob store (S3 adapter on s3rver)', () => {
  it('a multipart upload reads back whole, a re-sent part replacing the first, and a range reads its bytes', async () => {
    const k = key('export.csv');
    const id = await blobs.startUpload(k, 'text/csv');
    const first = new Uint8Array(MIN_PART_BYTES).fill(0x61);
    await blobs.uploadPart(k, id, 1, new Uint8Array(MIN_PART_BYTES).fill(0x7a));
    const p1 = await blobs.uploadPart(k, id, 1, first); // a resumed job sends part 1 again
    const p2 = await blobs.uploadPart(k, id, 2, new TextEncoder().encode('tail\n'));
    await blobs.completeUpload(k, id, [p2, p1]);

    expect(await blobs.size(k)).toBe(MIN_PART_BYTES + 5);
    const around = await blobs.readRange(k, MIN_PART_BYTES - 2, MIN_PART_BYTES + 3);
    expect(new TextDecoder().decode(around)).toBe('aatai');
    // Past the end: what there is, then nothing.
    expect(
      new TextDecoder().decode(await blobs.readRange(k, MIN_PART_BYTES + 3, MIN_PART_BYTES + 99)),
    ).toBe('l\n');
    expect((await blobs.readRange(k, MIN_PART_BYTES + 50, MIN_PART_BYTES + 60)).byteLength).toBe(0);
  });

  it('a missing key has no size; a deleted one neither', async () => {
    expect(await blobs.size(key('nothing.csv'))).toBeUndefined();
    const k = key('gone.csv');
    await blobs.put(k, 'email\n', 'text/csv');
    expect(await blobs.size(k)).toBe(6);
    await blobs.delete(k);
    expect(await blobs.size(k)).toBeUndefined();
  });

  it('a download link serves the file as an attachment, then expires (403); an edited one is refused', async () => {
    const k = key('readers.csv');
    await blobs.put(k, 'email\na@example.com\n', 'text/csv');
    const url = await blobs.downloadUrl(k, { filename: 'readers.csv', expiresInSeconds: 2 });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-disposition')).toBe('attachment; filename="readers.csv"');
    expect(await ok.text()).toBe('email\na@example.com\n');

    const forged = url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    );
    expect((await fetch(forged)).status).toBe(403);
    const longer = url.replace('X-Amz-Expires=2', 'X-Amz-Expires=3600');
    expect((await fetch(longer)).status).toBe(403);
    const other = url.replace('readers.csv?', 'other.csv?');
    expect((await fetch(other)).status).toBe(403);

    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
  });

  it('an upload link takes a PUT of the file (what a browser or a CLI sends), and the bucket lets the app origin do it', async () => {
    const k = key('import.csv');
    const url = await blobs.uploadUrl(k, { contentType: 'text/csv', expiresInSeconds: 60 });
    const preflight = (origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(200);
    // s3rver answers a matching rule with `*`; S3 with the origin: either lets the page PUT.
    expect(allowed.headers.get('access-control-allow-origin')).toMatch(
      /^(\*|http:\/\/127\.0\.0\.1:3999)$/,
    );
    expect((await preflight('https://elsewhere.example')).status).toBe(403);
    const put = await fetch(url, {
      method: 'PUT',
      body: 'email\nb@example.com\n',
      headers: { 'content-type': 'text/csv', origin: ORIGIN },
    });
    expect(put.status).toBe(200);
    expect(new TextDecoder().decode(await blobs.readRange(k, 0, 100))).toBe(
      'email\nb@example.com\n',
    );
  });

  it('refuses to complete an upload whose non-last part is under 5 MiB, as S3 does', async () => {
    const k = key('small.csv');
    const id = await blobs.startUpload(k, 'text/csv');
    const p1 = await blobs.uploadPart(k, id, 1, new TextEncoder().encode('too small\n'));
    const p2 = await blobs.uploadPart(k, id, 2, new TextEncoder().encode('last\n'));
    const completing = blobs.completeUpload(k, id, [p1, p2]);
    await expect(completing).rejects.toBeInstanceOf(BlobPartRejected);
    await expect(completing).rejects.toThrow(/part 1 is 10 bytes/);
    expect(await blobs.size(k)).toBeUndefined();
    await blobs.abortUpload(k, id);
    await expect(blobs.uploadPart(k, id, 10_001, new Uint8Array(1))).rejects.toBeInstanceOf(
      BlobPartRejected,
    );
  });
});
