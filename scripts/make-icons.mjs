// Draws the app's PNG icons (installable web app, home screens) from public/icons/icon.svg. Run after changing it:
// node scripts/make-icons.mjs. The PNGs are committed, so a build needs neither this script nor a drawing tool.
import sharp from 'sharp';

const SOURCE = 'public/icons/icon.svg';
const OUT = 'public/icons';

for (const size of [192, 512]) {
  await sharp(SOURCE, { density: 384 }).resize(size, size).png().toFile(`${OUT}/icon-${size}.png`);
}
// iOS draws its own rounded corners on a full square.
await sharp(SOURCE, { density: 384 }).resize(180, 180).flatten({ background: '#2f6aa3' }).png().toFile(`${OUT}/apple-touch-icon.png`);
// A maskable icon keeps its drawing inside the middle 80% (the safe zone); the rest is background the OS may crop.
const inner = await sharp(SOURCE, { density: 384 }).resize(400, 400).png().toBuffer();
await sharp({ create: { width: 512, height: 512, channels: 4, background: '#2f6aa3' } })
  .composite([{ input: inner, top: 56, left: 56 }])
  .png()
  .toFile(`${OUT}/icon-maskable-512.png`);
