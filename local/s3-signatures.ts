import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * s3rver checks a presigned URL's expiry but not its SigV4 signature (its v4 check is
 * "unimplemented" and lets every signature through), so a link whose expiry or key was edited
 * would still download locally while AWS refuses it. This is S3's check of a presigned (query
 * string) request, run in front of s3rver: the canonical request rebuilt from what arrived,
 * signed with the emulator's secret, compared with the signature the link carries.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
export function presignedProblem(
  request: { method: string; url: string; headers: Record<string, string | string[] | undefined> },
  secretOf: (accessKeyId: string) => string | undefined,
  now = new Date(),
): string | undefined {
  // A CORS preflight carries the link but is answered by the bucket's CORS rules, unsigned.
  if (request.method === 'OPTIONS') return undefined;
  const [path = '/', rawQuery = ''] = request.url.split('?', 2);
  const params = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=', 2).map((p) => decodeURIComponent(p.replace(/\+/g, ' '))))
    .map(([name = '', value = '']) => [name, value] as const);
  const get = (name: string) => params.find(([n]) => n === name)?.[1];
  const signature = get('X-Amz-Signature');
  if (signature === undefined) return undefined; // not a presigned request: s3rver's own checks
  const credential = get('X-Amz-Credential') ?? '';
  const amzDate = get('X-Amz-Date') ?? '';
  const expires = Number(get('X-Amz-Expires'));
  const signedHeaders = (get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean);
  const [accessKeyId = '', ...scopeParts] = credential.split('/');
  const secret = secretOf(accessKeyId);
  if (!secret) return 'unknown access key';
  const signedAt = Date.parse(
    amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!Number.isFinite(signedAt) || !Number.isFinite(expires)) return 'malformed signature';
  if (now.getTime() > signedAt + expires * 1000) return 'Request has expired';

  const encode = (s: string) =>
    encodeURIComponent(s).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  const query = params
    .filter(([n]) => n !== 'X-Amz-Signature')
    .map(([n, v]) => [encode(n), encode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
  const header = (name: string) => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
  };
  const canonical = [
    request.method,
    path,
    query,
    signedHeaders.map((h) => `${h}:${header(h)}\n`).join(''),
    signedHeaders.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = scopeParts.join('/');
  const toSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of scopeParts) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(toSign).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? undefined
    : 'The request signature we calculated does not match the signature you provided';
}
