import { crc32 } from 'node:zlib';
import { CardFormatError } from './card-format-error.js';

/**
 * A chunk of a PNG file, as views into the original bytes: `raw` is the whole chunk (length, type, data, CRC) so a
 * writer can copy it untouched, which keeps image data byte-identical.
 */
export interface PngChunk {
  readonly type: string;
  readonly data: Uint8Array;
  readonly raw: Uint8Array;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const TYPE_PATTERN = /^[A-Za-z]{4}$/;
/** The PNG spec caps a chunk length at 2^31 - 1. */
const MAX_CHUNK_LENGTH = 0x7fffffff;

export function hasPngSignature(bytes: Uint8Array): boolean {
  return bytes.length >= SIGNATURE.length && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** True for a file cut inside the 8-byte signature, so it can be told apart from "not a PNG at all". */
export function isTruncatedPngSignature(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.length < SIGNATURE.length && bytes.every((b, i) => SIGNATURE[i] === b);
}

function chunkCrc(type: Uint8Array, data: Uint8Array): number {
  return crc32(data, crc32(type));
}

/**
 * Splits a PNG into chunks, checking every CRC. Bytes after IEND are ignored (some encoders pad files);
 * a file that ends before IEND is truncated.
 */
export function readPngChunks(bytes: Uint8Array): PngChunk[] {
  if (!hasPngSignature(bytes)) {
    if (isTruncatedPngSignature(bytes)) throw new CardFormatError('truncated_png', 'The PNG file is cut short.');
    throw new CardFormatError('not_png', 'The file is not a PNG image.');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let offset = SIGNATURE.length;
  // Each pass consumes at least 12 bytes, so the loop ends within bytes.length / 12 passes.
  while (offset < bytes.length) {
    if (bytes.length - offset < 12) throw new CardFormatError('truncated_png', 'The PNG file is cut short.');
    const length = view.getUint32(offset);
    const typeBytes = bytes.subarray(offset + 4, offset + 8);
    const type = String.fromCharCode(...typeBytes);
    if (!TYPE_PATTERN.test(type) || length > MAX_CHUNK_LENGTH) {
      throw new CardFormatError('malformed_png', `The PNG file has a malformed chunk at byte ${offset}.`);
    }
    const end = offset + 12 + length;
    if (end > bytes.length) throw new CardFormatError('truncated_png', `The PNG file is cut short inside ${type}.`);
    if (chunks.length === 0 && type !== 'IHDR') {
      throw new CardFormatError('malformed_png', 'The PNG file does not start with an IHDR chunk.');
    }
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (chunkCrc(typeBytes, data) !== view.getUint32(offset + 8 + length)) {
      throw new CardFormatError('bad_crc', `The PNG chunk ${type} at byte ${offset} has a wrong CRC.`);
    }
    chunks.push({ type, data, raw: bytes.subarray(offset, end) });
    offset = end;
    if (type === 'IEND') return chunks;
  }
  throw new CardFormatError('truncated_png', 'The PNG file ends without an IEND chunk.');
}

/** Builds one chunk with its length and CRC. */
export function makePngChunk(type: string, data: Uint8Array): PngChunk {
  const raw = new Uint8Array(12 + data.length);
  const view = new DataView(raw.buffer);
  view.setUint32(0, data.length);
  const typeBytes = Uint8Array.from(type, (c) => c.charCodeAt(0));
  raw.set(typeBytes, 4);
  raw.set(data, 8);
  view.setUint32(8 + data.length, chunkCrc(typeBytes, data));
  return { type, data: raw.subarray(8, 8 + data.length), raw };
}

export function encodePng(chunks: readonly PngChunk[]): Uint8Array {
  const out = new Uint8Array(SIGNATURE.length + chunks.reduce((n, c) => n + c.raw.length, 0));
  out.set(SIGNATURE, 0);
  let offset = SIGNATURE.length;
  for (const chunk of chunks) {
    out.set(chunk.raw, offset);
    offset += chunk.raw.length;
  }
  return out;
}

/** A tEXt chunk's keyword and text; both are Latin-1 by the PNG spec. */
export function readTextChunk(chunk: PngChunk): { keyword: string; text: string } {
  const zero = chunk.data.indexOf(0);
  const data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
  if (zero < 0) return { keyword: data.toString('latin1'), text: '' };
  return { keyword: data.toString('latin1', 0, zero), text: data.toString('latin1', zero + 1) };
}

/** Callers pass ASCII (a keyword and base64), so Latin-1 encoding cannot lose anything. */
export function makeTextChunk(keyword: string, text: string): PngChunk {
  return makePngChunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1'));
}
