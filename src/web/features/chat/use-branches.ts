import { useMemo } from 'react';
import { branchesAtMessage, type BranchNode, type BranchTree } from '../../../shared/api/branches.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';

const NONE: readonly BranchNode[] = [];

export interface Branches {
  tree: BranchTree | undefined;
  /** The chats to jump to from the message with this seq (none: an empty list, the same one every time). */
  at(seq: number): readonly BranchNode[];
}

/** The chat's branch tree, read again whenever the chat or any chat changes, and the branches at each message. */
export function useBranches(chatId: string): Branches {
  const { api } = useServices();
  const tree = useResource((signal) => api.chats.tree(chatId, signal), [`chat:${chatId}`, 'chats'], `tree:${chatId}`);
  return useMemo(() => {
    const chats = tree.data?.chats ?? [];
    const self = chats.find((c) => c.id === chatId);
    // Only messages something forks at have branches: the branches' fork seqs, and this chat's own.
    const seqs = new Set(chats.filter((c) => c.parentChatId === chatId).map((c) => c.forkSeq!));
    if (self?.forkSeq !== null && self?.forkSeq !== undefined) seqs.add(self.forkSeq);
    const bySeq = new Map([...seqs].map((seq) => [seq, branchesAtMessage(chats, chatId, seq)]));
    return { tree: tree.data, at: (seq: number) => bySeq.get(seq) ?? NONE };
  }, [tree.data, chatId]);
}
