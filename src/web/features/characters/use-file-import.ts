import { useRef, useState } from 'react';
import { describeError } from '../../api/request-error.js';

export interface ImportNote {
  id: number;
  file: string;
  ok: boolean;
  text: string;
}

const ACCEPTED = /\.(png|json|jsonl)$/i;

/** While a long import runs, what is imported so far shows every this many files. */
const REFRESH_EVERY = 200;

/**
 * Uploads are sent once, now, and their outcome shown per file: an import answers with what the server made of
 * the file, so it cannot wait in the outbox like an edit. A long import (a library of 20,000 cards) shows how far
 * it is, can be stopped between two files, and resumed with the files it had not sent.
 */
export function useFileImport<T>(upload: (file: File) => Promise<T>, describe: (result: T) => string, onDone: () => void) {
  const [notes, setNotes] = useState<ImportNote[]>([]);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [left, setLeft] = useState<File[]>([]);
  const stopping = useRef(false);

  async function importFiles(files: Iterable<File>) {
    const list = [...files];
    setBusy(true);
    setLeft([]);
    stopping.current = false;
    const fresh: ImportNote[] = [];
    let failed = 0;
    let n = Date.now();
    let done = 0;
    for (; done < list.length && !stopping.current; done++) {
      const file = list[done]!;
      setProgress({ done, total: list.length });
      n += 1;
      if (!ACCEPTED.test(file.name)) {
        fresh.push({ id: n, file: file.name, ok: false, text: `${file.name}: not a .png, .json or .jsonl file` });
        failed += 1;
        continue;
      }
      try {
        fresh.push({ id: n, file: file.name, ok: true, text: describe(await upload(file)) });
      } catch (error) {
        fresh.push({ id: n, file: file.name, ok: false, text: `${file.name} was not imported: ${describeError(error)}` });
        failed += 1;
      }
      if ((done + 1) % REFRESH_EVERY === 0) onDone();
    }
    // Past a handful of files, one line says how it went; the problems are listed first.
    const summary =
      list.length > 8
        ? [{ id: n + 1, file: '', ok: failed === 0, text: `Imported ${done - failed} of ${list.length} files${failed ? `; ${failed} were not` : ''}.` }]
        : [];
    setNotes((prev) => [...summary, ...fresh.filter((note) => !note.ok), ...fresh.filter((note) => note.ok), ...prev].slice(0, 8));
    setLeft(list.slice(done));
    setProgress(null);
    setBusy(false);
    onDone();
  }

  return {
    notes,
    busy,
    /** Files sent so far and in all, while an import runs. */
    progress,
    /** The files a stopped import had not sent yet. */
    left,
    importFiles,
    stop: () => {
      stopping.current = true;
    },
    resume: () => void importFiles(left),
    dismiss: (id: number) => setNotes((prev) => prev.filter((note) => note.id !== id)),
  };
}
