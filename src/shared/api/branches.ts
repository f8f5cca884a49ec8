import { z } from 'zod';
import { ClientId, SafeText } from './ids.js';

/** POST /api/chats/:id/branches: a new chat holding this chat's history up to and including `messageId`. */
export const CreateBranchRequest = z.object({
  messageId: z.string().min(1).max(64),
  /** Client-made id: a retried request returns the branch made the first time. */
  id: ClientId.optional(),
  /**
   * A named checkpoint (SillyTavern's "Create checkpoint"): the branch is titled by it and the message links to it
   * (`extra.bookmark_link`). Without it, a plain branch titled "Branch #<n> - <date>" (`extra.branches` lists it).
   */
  checkpoint: SafeText(150).min(1).optional(),
});
export type CreateBranchRequest = z.infer<typeof CreateBranchRequest>;

/** One chat of a branch tree. */
export const BranchNode = z.object({
  id: z.string(),
  title: z.string(),
  /** null for the tree's first chat, and for a chat whose parent was purged. */
  parentChatId: z.string().nullable(),
  /** The parent message's seq this branch forks at. */
  forkSeq: z.number().int().nullable(),
  messageCount: z.number().int(),
  inTrash: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BranchNode = z.infer<typeof BranchNode>;

/** GET /api/chats/:id/tree: every chat of the tree this chat belongs to, oldest first. */
export const BranchTree = z.object({ rootChatId: z.string(), chats: z.array(BranchNode) });
export type BranchTree = z.infer<typeof BranchTree>;

/** Nodes as a tree, children in creation order: what the tree view draws, and what message menus look up. */
export interface BranchTreeNode {
  chat: BranchNode;
  children: BranchTreeNode[];
  depth: number;
}

/**
 * Arranges a tree's chats (a chat whose parent is not among them counts as a root) depth first, without recursion
 * so a chain of 1,000 branches cannot overflow the stack.
 */
export function arrangeBranchTree(chats: readonly BranchNode[]): BranchTreeNode[] {
  const byId = new Map(chats.map((chat) => [chat.id, { chat, children: [] as BranchTreeNode[], depth: 0 }]));
  const roots: BranchTreeNode[] = [];
  for (const node of byId.values()) {
    const parent = node.chat.parentChatId ? byId.get(node.chat.parentChatId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const ordered: BranchTreeNode[] = [];
  const stack = [...roots].reverse();
  const seen = new Set<string>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node.chat.id)) continue;
    seen.add(node.chat.id);
    ordered.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) {
      node.children[i]!.depth = node.depth + 1;
      stack.push(node.children[i]!);
    }
  }
  return ordered;
}

/**
 * The chats to jump to from message `seq` of chat `chatId`: its branches forking there, and, when this chat is
 * itself a branch forking at `seq`, the chat it came from and that chat's other branches at the same message.
 */
export function branchesAtMessage(chats: readonly BranchNode[], chatId: string, seq: number): BranchNode[] {
  const self = chats.find((c) => c.id === chatId);
  const here = chats.filter((c) => c.parentChatId === chatId && c.forkSeq === seq);
  if (!self || self.parentChatId === null || self.forkSeq !== seq) return here;
  const parent = chats.find((c) => c.id === self.parentChatId);
  const siblings = chats.filter((c) => c.parentChatId === self.parentChatId && c.forkSeq === seq && c.id !== chatId);
  return [...(parent ? [parent] : []), ...siblings, ...here];
}
