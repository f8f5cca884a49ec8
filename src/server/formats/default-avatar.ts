/**
 * The image a card without an avatar is exported on (a PNG card needs a picture): a plain 400x600
 * portrait, SillyTavern's card size. Made once, on first use.
 */
let avatar: Promise<Uint8Array> | undefined;

export function defaultAvatarPng(): Promise<Uint8Array> {
  avatar ??= (async () => {
    const { default: sharp } = await import('sharp');
    const png = await sharp({ create: { width: 400, height: 600, channels: 3, background: '#5b6b7a' } })
      .png()
      .toBuffer();
    return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
  })();
  return avatar;
}
