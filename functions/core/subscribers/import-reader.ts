import { parse } from 'csv-parse/sync';
import type { BlobStore } from '../ports.js';

/** One CSV record and the line it starts on, or why it could not be read. */
export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/** Where the next record starts: a byte offset at a record boundary, and its line number. */
export type ReadPosition = { offset: number; line: number };

export type ReadOptions = {
  /** At most this many lines per read (empty lines count); fewer at the file's end. */
  maxLines: number;
  /** Bytes per `readRange`: the memory a read holds, whatever the file's size. */
  rangeBytes: number;
  /** A record longer than this (an unclosed quote, most likely) is reported and stepped over. */
  maxRecordBytes: number;
};

export const readOptions: ReadOptions = {
  maxLines: 1_000,
  rangeBytes: 256 * 1024,
  maxRecordBytes: 1024 * 1024,
};

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * The complete records after `from`, read from the blob store a range at a time. A record ends at
 * a newline outside quotes (a quoted field may hold newlines, and may straddle two ranges): the
 * partial record at the end of what was read is left for the next read, which starts at the
 * returned position. So a position is always a record boundary, fit for a checkpoint.
 */
export async function readRecords(
  blobs: BlobStore,
  key: string,
  size: number,
  from: ReadPosition,
  options: ReadOptions = readOptions,
): Promise<{ records: CsvRecord[]; next: ReadPosition; end: boolean }> {
  let bytes = await blobs.readRange(
    key,
    from.offset,
    Math.min(size, from.offset + options.rangeBytes),
  );
  const start = from.offset === 0 && BOM.every((b, i) => bytes[i] === b) ? BOM.length : 0;
  const scan = { at: start, inQuotes: false, boundaries: [] as number[] };
  for (;;) {
    scanBoundaries(bytes, scan, options.maxLines);
    const atEnd = from.offset + bytes.length >= size;
    if (scan.boundaries.length >= options.maxLines || atEnd) break;
    if (bytes.length - start >= options.maxRecordBytes && scan.boundaries.length === 0)
      return overlong(bytes, from);
    const more = await blobs.readRange(
      key,
      from.offset + bytes.length,
      Math.min(size, from.offset + bytes.length + options.rangeBytes),
    );
    if (more.length === 0) break;
    bytes = concat(bytes, more);
  }
  const full = scan.boundaries.length >= options.maxLines;
  const cut =
    full || (scan.boundaries.length > 0 && from.offset + bytes.length < size)
      ? scan.boundaries.at(-1)!
      : bytes.length;
  const chunk = bytes.subarray(start, cut);
  return {
    records: parseChunk(chunk, from.line),
    next: { offset: from.offset + cut, line: from.line + countNewlines(chunk, 0, chunk.length) },
    end: from.offset + cut >= size,
  };
}

/** Records end at newlines outside quotes: `""` inside a quoted field toggles twice. */
function scanBoundaries(
  bytes: Uint8Array,
  scan: { at: number; inQuotes: boolean; boundaries: number[] },
  max: number,
) {
  for (; scan.at < bytes.length && scan.boundaries.length < max; scan.at++) {
    const byte = bytes[scan.at];
    if (byte === QUOTE) scan.inQuotes = !scan.inQuotes;
    else if (byte === NEWLINE && !scan.inQuotes) scan.boundaries.push(scan.at + 1);
  }
}

/** No record boundary within the limit: the first physical line is reported and stepped over. */
function overlong(bytes: Uint8Array, from: ReadPosition) {
  const newline = bytes.indexOf(NEWLINE);
  const cut = newline === -1 ? bytes.length : newline + 1;
  return {
    records: [{ line: from.line, error: 'a quoted field is not closed (no closing ")' }],
    next: { offset: from.offset + cut, line: from.line + 1 },
    end: false,
  };
}

const parseOptions = { skip_empty_lines: true, trim: true, relax_column_count: true } as const;

/**
 * csv-parse reads the chunk in one call (six times faster than a call per record) and says
 * where each record ends in bytes; the line a record starts on is counted from those. A chunk
 * it refuses is read again record by record, so one bad line costs only itself.
 */
function parseChunk(chunk: Uint8Array, firstLine: number): CsvRecord[] {
  const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let parsed: { record: string[]; info: { bytes: number } }[];
  try {
    parsed = parse(buffer, { ...parseOptions, info: true }) as unknown as typeof parsed;
  } catch {
    return parseEachRecord(buffer, firstLine);
  }
  const records: CsvRecord[] = [];
  let at = 0;
  let line = firstLine;
  for (const { record, info } of parsed) {
    ({ at, line } = skipBlank(chunk, at, line));
    records.push({ line, fields: record });
    line += countNewlines(chunk, at, info.bytes);
    at = info.bytes;
  }
  return records;
}

function parseEachRecord(buffer: Buffer, firstLine: number): CsvRecord[] {
  const scan = { at: 0, inQuotes: false, boundaries: [] as number[] };
  scanBoundaries(buffer, scan, Number.POSITIVE_INFINITY);
  if (scan.boundaries.at(-1) !== buffer.length) scan.boundaries.push(buffer.length);
  const records: CsvRecord[] = [];
  let at = 0;
  let line = firstLine;
  for (const end of scan.boundaries) {
    ({ at, line } = skipBlank(buffer, at, line));
    if (at < end) {
      try {
        const [fields] = parse(buffer.subarray(at, end), parseOptions) as string[][];
        if (fields) records.push({ line, fields });
      } catch (error) {
        records.push({ line, error: `is not valid CSV: ${(error as Error).message}` });
      }
    }
    line += countNewlines(buffer, at, end);
    at = Math.max(at, end);
  }
  return records;
}

/** Past blank lines (csv-parse skips them), counting them. */
function skipBlank(bytes: Uint8Array, at: number, line: number) {
  let start = at;
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === NEWLINE) {
      line++;
      start = i + 1;
    } else if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) break;
  }
  return { at: start, line };
}

function countNewlines(bytes: Uint8Array, from: number, to: number) {
  let n = 0;
  for (let i = from; i < to; i++) if (bytes[i] === NEWLINE) n++;
  return n;
}

function concat(a: Uint8Array, b: Uint8Array) {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
