import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { cutText } from '../../shared/cut-text.js';
import { ApiError } from '../errors/api-error.js';

/**
 * An error met while reading a multipart body — cut before its closing boundary, no boundary, a bad part header —
 * is the client's: 400 with what the parser said. Our own refusals and Fastify's (413 limits) pass as they are.
 */
function uploadError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (typeof (error as { statusCode?: unknown })?.statusCode === 'number') return error;
  return new ApiError('invalid_request', `The upload is malformed: ${(error as Error)?.message ?? String(error)}`);
}

/** The multipart field `file` of an upload, at most `maxMb`; a request without it is a 400 that says so. */
export async function uploadedFile(request: FastifyRequest, maxMb: number): Promise<MultipartFile> {
  if (!request.isMultipart()) {
    throw new ApiError('unsupported_media_type', 'Send the file as multipart/form-data in a field named "file"');
  }
  let file: MultipartFile | undefined;
  try {
    file = await request.file({ limits: { fileSize: Math.round(maxMb * 1024 * 1024), files: 1, fields: 10 } });
  } catch (error) {
    throw uploadError(error);
  }
  if (!file) throw new ApiError('invalid_request', 'No file in the upload (expected a field named "file")');
  if (file.fieldname !== 'file') throw new ApiError('invalid_request', `Unexpected field "${file.fieldname}"; name it "file"`);
  return file;
}

/** Reads a whole (size-limited) upload; a file over the limit is a 413, never a truncated import. */
export async function readUpload(file: MultipartFile): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await file.toBuffer();
  } catch (error) {
    throw uploadError(error);
  }
  if (file.file.truncated) throw new ApiError('payload_too_large', 'The file is larger than this server accepts');
  return bytes;
}

/**
 * The upload as a stream that fails with 413 when it passes the size limit, so a streamed import
 * is refused (and rolled back by its caller) rather than silently cut short.
 */
export async function* limitedStream(file: MultipartFile): AsyncGenerator<Buffer> {
  const chunks = (file.file as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch (error) {
      throw uploadError(error);
    }
    if (next.done) break;
    yield next.value;
  }
  if (file.file.truncated) throw new ApiError('payload_too_large', 'The file is larger than this server accepts');
}

/** A download name from a display name: only safe characters, never a path. */
export function attachmentHeader(displayName: string, extension: string): string {
  const ascii = displayName.replace(/[^A-Za-z0-9 _.,@()-]+/g, '').replace(/^[.\s]+/, '').trim().slice(0, 100) || 'download';
  // Cut whole characters only: a lone surrogate would make encodeURIComponent throw (a 500 for a title like that).
  const utf8 = encodeURIComponent(`${cutText(displayName.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '').trim(), 100) || 'download'}.${extension}`);
  return `attachment; filename="${ascii}.${extension}"; filename*=UTF-8''${utf8}`;
}
