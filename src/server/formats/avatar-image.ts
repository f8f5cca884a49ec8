import { imageMimeType } from './image-mime-type.js';

/** Decoding is bounded so a tiny file that claims a huge canvas cannot exhaust memory. */
const MAX_INPUT_PIXELS = 64 * 1024 * 1024;

export interface AvatarImage {
  bytes: Uint8Array;
  mime: string;
}

/**
 * An uploaded avatar as it is stored, or null when the bytes are not a PNG, JPEG, WebP or GIF. A character's card is
 * exported inside its avatar, which must be a PNG, so `png: true` re-encodes any other format (the first frame of a
 * GIF); a PNG is kept byte for byte. A persona's avatar is kept in its own format.
 */
export async function readAvatarImage(bytes: Uint8Array, options: { png: boolean }): Promise<AvatarImage | null> {
  const mime = await imageMimeType(bytes);
  if (!mime) return null;
  if (!options.png || mime === 'image/png') return { bytes, mime };
  const { default: sharp } = await import('sharp');
  const png = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).png().toBuffer();
  return { bytes: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), mime: 'image/png' };
}
