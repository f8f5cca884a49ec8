export interface Thumbnail {
  data: Uint8Array;
  mimeType: 'image/webp' | 'image/png';
  /** False when the image could not be decoded and the original is returned instead. */
  resized: boolean;
}

/** Character cards are 2:3 portraits (SillyTavern's default 400x600); the library grid shows them smaller. */
export const THUMBNAIL_SIZE = { width: 256, height: 384 } as const;
/** Decoding is bounded so a tiny file that claims a huge canvas (a "pixel bomb") cannot exhaust memory. */
const MAX_INPUT_PIXELS = 64 * 1024 * 1024;

/**
 * A WebP thumbnail that fits in THUMBNAIL_SIZE (never enlarged), without the card's metadata chunks.
 * An image sharp cannot decode comes back unchanged, so an import never fails on its thumbnail.
 */
export async function makeThumbnail(image: Uint8Array): Promise<Thumbnail> {
  try {
    // Loaded here, not at startup: libvips costs tens of milliseconds and megabytes. Node caches the module.
    const { default: sharp } = await import('sharp');
    // Thumbnails are made once per import; libvips' operation cache would only hold memory.
    sharp.cache(false);
    const data = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS })
      .resize({ ...THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), mimeType: 'image/webp', resized: true };
  } catch {
    return { data: image, mimeType: 'image/png', resized: false };
  }
}
