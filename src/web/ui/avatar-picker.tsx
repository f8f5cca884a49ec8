import { useRef, useState } from 'react';
import { ImageCropDialog, type CropShape } from './image-crop-dialog.js';
import './avatar-picker.css';

interface AvatarPickerProps {
  /** Who the picture is of, for the labels ("Change Ann's picture"). */
  name: string;
  /** The current picture, or null (the first letter of the name stands in). */
  imageUrl: string | null;
  shape: CropShape;
  /** Takes the framed PNG: uploads it, or keeps it until there is somewhere to upload it. */
  onPicture(image: Blob): Promise<void>;
  className?: string;
}

/** A picture that is also the button to change it: choose a file, frame it, and it is handed on as a PNG. */
export function AvatarPicker({ name, imageUrl, shape, onPicture, className }: AvatarPickerProps) {
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const label = imageUrl ? `Change the picture of ${name || 'this one'}` : `Add a picture of ${name || 'this one'}`;

  return (
    <>
      <button
        type="button"
        className={`avatar-picker avatar-picker-${shape} ${className ?? ''}`}
        aria-label={label}
        title={label}
        onClick={() => input.current?.click()}
      >
        {imageUrl ? (
          <img src={imageUrl} alt="" />
        ) : (
          <span className="avatar-picker-letter" aria-hidden="true">
            {name.trim().charAt(0).toUpperCase() || '+'}
          </span>
        )}
        <span className="avatar-picker-hint" aria-hidden="true">
          {imageUrl ? 'Change' : 'Add picture'}
        </span>
      </button>
      <input
        ref={input}
        type="file"
        accept="image/png,image/jpeg,image/webp,image/gif"
        hidden
        aria-label={`Picture file for ${name || 'this one'}`}
        onChange={(event) => {
          setFile(event.target.files?.[0] ?? null);
          event.target.value = '';
        }}
      />
      <ImageCropDialog
        file={file}
        shape={shape}
        title={`Frame the picture of ${name || 'this one'}`}
        onCancel={() => setFile(null)}
        onCropped={async (image) => {
          await onPicture(image);
          setFile(null);
        }}
      />
    </>
  );
}
