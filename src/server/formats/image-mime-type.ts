const MIME_OF_FORMAT: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** Decoding stops at the header, but a header claiming a huge canvas is still refused. */
const MAX_INPUT_PIXELS = 64 * 1024 * 1024;

/**
 * The MIME type of an avatar image, read from its bytes (a file's extension can lie), or null when the
 * bytes are not a PNG, JPEG, WebP or GIF that libvips can read: such bytes are never stored as an image.
 */
export async function imageMimeType(bytes: Uint8Array): Promise<string | null> {
  try {
    // Loaded on first use, as for thumbnails: server start does not pay for libvips.
    const { default: sharp } = await import('sharp');
    const { format } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    return MIME_OF_FORMAT[format] ?? null;
  } catch {
    return null;
  }
}
