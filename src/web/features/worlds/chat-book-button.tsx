import { lazy, Suspense, useState } from 'react';
import { Dialog } from '../../ui/dialog.js';

// Fetched when first opened: the chat paints without the book editor's code.
const ChatBookForm = lazy(() => import('./book-links.js').then((m) => ({ default: m.ChatBookForm })));

/** The chat header's way to choose the chat's own book. */
export function ChatBookButton({ chatId }: { chatId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="link-button" onClick={() => setOpen(true)}>
        Lore
      </button>
      <Dialog title="World info in this chat" open={open} onClose={() => setOpen(false)}>
        {open && (
          <Suspense fallback={null}>
            <ChatBookForm chatId={chatId} onDone={() => setOpen(false)} />
          </Suspense>
        )}
      </Dialog>
    </>
  );
}
