/** One line of a stream: its 1-based number and text, or null text when it was longer than allowed. */
export interface StreamLine {
  number: number;
  text: string | null;
}

export type ChunkSource = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/**
 * Splits a byte or text stream into lines on "\n" (a trailing "\r" is dropped), holding at most one line in
 * memory. A line longer than maxLineBytes is not kept: it is reported with null text and skipped to its end.
 * Splitting bytes before decoding is safe because "\n" never occurs inside a multi-byte UTF-8 sequence.
 */
export async function* splitLines(input: ChunkSource, maxLineBytes: number): AsyncGenerator<StreamLine> {
  let parts: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let number = 0;

  const finish = (tail: Buffer): StreamLine => {
    number += 1;
    let text: string | null = null;
    if (!tooLong && pendingBytes + tail.length <= maxLineBytes) {
      text = (parts.length === 0 ? tail : Buffer.concat([...parts, tail])).toString('utf8');
      if (text.endsWith('\r')) text = text.slice(0, -1);
    }
    parts = [];
    pendingBytes = 0;
    tooLong = false;
    return { number, text };
  };

  for await (const chunk of input) {
    const buffer =
      typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let newline = buffer.indexOf(10, start); newline >= 0; newline = buffer.indexOf(10, start)) {
      yield finish(buffer.subarray(start, newline));
      start = newline + 1;
    }
    const rest = buffer.length - start;
    if (rest === 0 || tooLong) continue;
    if (pendingBytes + rest > maxLineBytes) {
      tooLong = true;
      parts = [];
      pendingBytes = 0;
    } else {
      // A copy: a stream may reuse its chunk buffer once we return to it.
      parts.push(Buffer.from(buffer.subarray(start)));
      pendingBytes += rest;
    }
  }
  if (pendingBytes > 0 || tooLong) yield finish(Buffer.alloc(0));
}
