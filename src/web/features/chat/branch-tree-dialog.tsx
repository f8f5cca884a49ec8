import { useMemo } from 'react';
import { Link } from 'react-router';
import { arrangeBranchTree, type BranchTree } from '../../../shared/api/branches.js';
import { Dialog } from '../../ui/dialog.js';

interface BranchTreeDialogProps {
  chatId: string;
  tree: BranchTree | undefined;
  open: boolean;
  onClose(): void;
}

/** Deeper levels are drawn no further in, so a long chain of branches stays on the screen (its depth is shown). */
const MAX_INDENT = 12;

/** Every chat of the tree, depth first: where each forks from and how long it is; the open chat is marked. */
export function BranchTreeDialog({ chatId, tree, open, onClose }: BranchTreeDialogProps) {
  const rows = useMemo(() => (open && tree ? arrangeBranchTree(tree.chats) : []), [open, tree]);
  return (
    <Dialog title="Branches" open={open} onClose={onClose} className="wide">
      {rows.length <= 1 ? (
        <p className="muted">No branches yet. “Branch” on a message starts one.</p>
      ) : (
        <ol className="branch-tree" aria-label="Branch tree">
          {rows.map(({ chat, depth }) => (
            <li
              key={chat.id}
              className={`branch-row${chat.id === chatId ? ' branch-row-current' : ''}`}
              style={{ paddingInlineStart: `${Math.min(depth, MAX_INDENT) * 1.1 + 0.4}rem` }}
              aria-current={chat.id === chatId ? 'page' : undefined}
            >
              {depth > 0 && <span className="branch-fork" aria-hidden="true">└</span>}
              {chat.inTrash ? (
                <span className="muted">{chat.title} (in the trash)</span>
              ) : (
                <Link to={`/chats/${chat.id}`} onClick={onClose}>
                  {chat.title}
                </Link>
              )}
              <span className="muted branch-facts">
                {chat.forkSeq !== null && `from message #${chat.forkSeq} · `}
                {chat.messageCount} messages{depth > MAX_INDENT && ` · level ${depth}`}
              </span>
            </li>
          ))}
        </ol>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
