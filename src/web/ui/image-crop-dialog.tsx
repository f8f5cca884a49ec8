import { useEffect, useState } from 'react';
import Cropper, { type Area } from 'react-easy-crop';
import 'react-easy-crop/react-easy-crop.css';
import { cropToPng, readAsDataUrl } from './crop-image.js';
import { Dialog } from './dialog.js';
import './image-crop-dialog.css';

/** Personas are round and square; characters are SillyTavern's 2:3 portraits (400x600). */
const SHAPES = {
  square: { aspect: 1, size: { width: 512, height: 512 }, round: true },
  portrait: { aspect: 2 / 3, size: { width: 400, height: 600 }, round: false },
} as const;

export type CropShape = keyof typeof SHAPES;

interface ImageCropDialogProps {
  /** The picture the user chose; the dialog is open while there is one. */
  file: File | null;
  shape: CropShape;
  title: string;
  onCancel(): void;
  /** The framed picture as a PNG; may reject (an upload that failed), which the dialog shows. */
  onCropped(image: Blob): Promise<void>;
}

/** Frames a chosen picture: drag to move, pinch, wheel or the slider to zoom; the result is cropped in the browser. */
export function ImageCropDialog({ file, shape, title, onCancel, onCropped }: ImageCropDialogProps) {
  const { aspect, size, round } = SHAPES[shape];
  const [source, setSource] = useState<string | null>(null);
  const [crop, setCrop] = useState({ x: 0, y: 0 });
  const [zoom, setZoom] = useState(1);
  const [area, setArea] = useState<Area | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setSource(null);
    setProblem(null);
    setCrop({ x: 0, y: 0 });
    setZoom(1);
    if (!file) return;
    if (!file.type.startsWith('image/')) {
      setProblem(`${file.name} is not a picture: choose a PNG, JPEG, WebP or GIF.`);
      return;
    }
    let live = true;
    readAsDataUrl(file).then(
      (url) => live && setSource(url),
      () => live && setProblem(`${file.name} could not be read.`),
    );
    return () => {
      live = false;
    };
  }, [file]);

  async function use() {
    if (!source || !area) return;
    setBusy(true);
    setProblem(null);
    try {
      await onCropped(await cropToPng(source, area, size));
    } catch (error) {
      setProblem(`The picture was not saved: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={title} open={file !== null} onClose={busy ? undefined : onCancel} className="crop-dialog">
      <div className={`crop-area crop-${shape}`}>
        {source && (
          <Cropper
            image={source}
            crop={crop}
            zoom={zoom}
            aspect={aspect}
            cropShape={round ? 'round' : 'rect'}
            showGrid={false}
            onCropChange={setCrop}
            onZoomChange={setZoom}
            onCropComplete={(_, pixels) => setArea(pixels)}
            disableAutomaticStylesInjection
            mediaProps={{ alt: 'The chosen picture' }}
          />
        )}
      </div>
      <label className="field crop-zoom">
        <span>Zoom</span>
        <input type="range" min={1} max={3} step={0.01} value={zoom} onChange={(event) => setZoom(Number(event.target.value))} />
      </label>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={() => void use()} disabled={!source || !area || busy}>
          {busy ? 'Saving…' : 'Use this picture'}
        </button>
      </div>
    </Dialog>
  );
}
