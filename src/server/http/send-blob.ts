import type { FastifyReply } from 'fastify';
import type { StoredBlob } from '../store/blobs-repository.js';
import { notFound } from '../errors/api-error.js';

/** Sends a stored image. URLs carry its hash, so it may be cached for good. */
export function sendBlob(reply: FastifyReply, blob: StoredBlob | undefined) {
  if (!blob) throw notFound('Image');
  return reply
    .type(blob.mime)
    .header('cache-control', 'private, max-age=31536000, immutable')
    .header('x-content-type-options', 'nosniff')
    .send(Buffer.from(blob.bytes));
}
