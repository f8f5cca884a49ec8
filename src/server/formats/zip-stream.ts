import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';

export interface ZipEntry {
  /** A path inside the zip, "/"-separated; the caller makes every segment safe (zip-entry-names.ts). */
  name: string;
  /** False for data that is compressed already (PNG): stored as it is rather than deflated again for nothing. */
  compress: boolean;
  content: Uint8Array | string | AsyncIterable<Uint8Array | string>;
}

const encoder = new TextEncoder();
const bytesOf = (piece: Uint8Array | string) => (typeof piece === 'string' ? encoder.encode(piece) : piece);

async function* piecesOf(content: ZipEntry['content']): AsyncGenerator<Uint8Array> {
  if (typeof content === 'string' || content instanceof Uint8Array) yield bytesOf(content);
  else for await (const piece of content) yield bytesOf(piece);
}

/**
 * A zip of `entries` as a stream of bytes. Entries are read one at a time and piece by piece, and each piece
 * is compressed and handed on before the next is read: a consumer that reads slowly (a download) slows the
 * reading of the library, so only the current piece and the zip's directory (a few dozen bytes an entry)
 * are ever in memory, however large the library.
 */
export async function* zipStream(entries: AsyncIterable<ZipEntry>): AsyncGenerator<Uint8Array> {
  const ready: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else ready.push(chunk);
  });
  // fflate compresses synchronously as data is pushed, so after each push its output is all in `ready`.
  function* take(): Generator<Uint8Array> {
    if (failure) throw failure;
    yield* ready.splice(0);
  }

  for await (const entry of entries) {
    const file: ZipDeflate | ZipPassThrough = entry.compress ? new ZipDeflate(entry.name, { level: 6 }) : new ZipPassThrough(entry.name);
    zip.add(file);
    for await (const piece of piecesOf(entry.content)) {
      file.push(piece);
      yield* take();
    }
    file.push(new Uint8Array(0), true);
    yield* take();
  }
  zip.end();
  yield* take();
}
