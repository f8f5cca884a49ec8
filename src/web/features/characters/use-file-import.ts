import { useState } from 'react';
import { RequestError } from '../../api/request-error.js';

export interface ImportNote {
  id: number;
  file: string;
  ok: boolean;
  text: string;
}

const ACCEPTED = /\.(png|json|jsonl)$/i;

function reasonOf(error: unknown): string {
  if (error instanceof RequestError) return error.message;
  return 'the server could not be reached; try again when it is back';
}

/**
 * Uploads are sent once, now, and their outcome shown per file: an import answers with what the server made of
 * the file, so it cannot wait in the outbox like an edit.
 */
export function useFileImport<T>(upload: (file: File) => Promise<T>, describe: (result: T) => string, onDone: () => void) {
  const [notes, setNotes] = useState<ImportNote[]>([]);
  const [busy, setBusy] = useState(false);

  async function importFiles(files: Iterable<File>) {
    setBusy(true);
    const fresh: ImportNote[] = [];
    let n = Date.now();
    for (const file of files) {
      n += 1;
      if (!ACCEPTED.test(file.name)) {
        fresh.push({ id: n, file: file.name, ok: false, text: `${file.name}: not a .png, .json or .jsonl file` });
        continue;
      }
      try {
        fresh.push({ id: n, file: file.name, ok: true, text: describe(await upload(file)) });
      } catch (error) {
        fresh.push({ id: n, file: file.name, ok: false, text: `${file.name} was not imported: ${reasonOf(error)}` });
      }
    }
    setNotes((prev) => [...fresh, ...prev].slice(0, 8));
    setBusy(false);
    onDone();
  }

  return { notes, busy, importFiles, dismiss: (id: number) => setNotes((prev) => prev.filter((note) => note.id !== id)) };
}
