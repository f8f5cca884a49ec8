/** A part of an image, in its own pixels (what the cropper reports). */
export interface PixelArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Reads a picture the user chose as a data: URL (the page's content policy allows data: images, not blob:). */
export function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('the file is not a picture this browser can show'));
    image.src = src;
  });
}

/**
 * The chosen part of a picture as a PNG of exactly `size` pixels: drawn in the browser, so the server receives
 * the picture as the user framed it, never larger than an avatar needs to be.
 */
export async function cropToPng(src: string, area: PixelArea, size: { width: number; height: number }): Promise<Blob> {
  const image = await loadImage(src);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser cannot draw the picture');
  context.imageSmoothingQuality = 'high';
  context.drawImage(image, area.x, area.y, area.width, area.height, 0, 0, size.width, size.height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the picture could not be encoded'))), 'image/png'),
  );
}
