/**
 * An image's type by its magic number and its size by its header, for each of the four formats
 * (as sharp writes them, and a lossless and an extended WebP), and nothing for anything else.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageSize, sniffImageType } from '../../functions/core/images/image-type.js';

const canvas = () =>
  sharp({ create: { width: 123, height: 45, channels: 4, background: '#fa0a' } });

describe('image type and size from the bytes', () => {
  it.each([
    ['png', () => canvas().png()],
    ['jpeg', () => canvas().jpeg()],
    ['jpeg', () => canvas().jpeg({ progressive: true })],
    ['gif', () => canvas().gif()],
    ['webp', () => canvas().webp()],
    ['webp', () => canvas().webp({ lossless: true })],
    [
      'webp',
      () =>
        canvas()
          .webp()
          .withExif({ IFD0: { Make: 'x' } }),
    ],
  ] as const)('%s', async (type, make) => {
    const bytes = new Uint8Array(await make().toBuffer());
    expect(sniffImageType(bytes)).toBe(type);
    expect(imageSize(bytes)).toEqual({ width: 123, height: 45 });
  });

  it('knows no SVG, HTML, text, TIFF or empty file', async () => {
    const tiff = new Uint8Array(await canvas().tiff().toBuffer());
    for (const bytes of [
      new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      new TextEncoder().encode('<!doctype html><p>hi'),
      new TextEncoder().encode('GIF8'),
      tiff,
      new Uint8Array(),
    ]) {
      expect(sniffImageType(bytes)).toBeUndefined();
      expect(imageSize(bytes)).toBeUndefined();
    }
  });
});
