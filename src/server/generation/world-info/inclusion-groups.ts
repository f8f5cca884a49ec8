import type { WorldEntry } from './world-entry.js';

export interface GroupContext {
  isSticky: (entry: WorldEntry) => boolean;
  isCooldown: (entry: WorldEntry) => boolean;
  isDelayed: (entry: WorldEntry) => boolean;
  /** How many of the entry's keys the buffer holds (group scoring). */
  score: (entry: WorldEntry) => number;
  useGroupScoring: boolean;
  random: () => number;
}

export type GroupLoss = 'group_sticky' | 'group_timed' | 'group_score' | 'group_taken' | 'group_priority' | 'group_roll';

/**
 * At most one entry of an inclusion group activates, chosen as SillyTavern chooses (an entry may be in several
 * groups, named comma-separated): a sticky member wins outright; members on cooldown or delay are out; with group
 * scoring (global, or set on a member) only the members matching the most keys stay; a group one of whose members
 * activated in an earlier recursion step takes no more; a member set to prioritise wins (highest order first);
 * otherwise one is drawn at random by group weight. Returns the entries that stay, in their order, and tells
 * `lost` why each other one left.
 */
export function filterByInclusionGroups(
  entries: readonly WorldEntry[],
  alreadyActivated: ReadonlySet<WorldEntry>,
  ctx: GroupContext,
  lost: (entry: WorldEntry, why: GroupLoss, group: string) => void,
): WorldEntry[] {
  const groups = new Map<string, WorldEntry[]>();
  for (const entry of entries) {
    for (const group of entry.groups) {
      const members = groups.get(group) ?? [];
      members.push(entry);
      groups.set(group, members);
    }
  }
  if (groups.size === 0) return [...entries];

  const removed = new Set<WorldEntry>();
  const remove = (entry: WorldEntry, why: GroupLoss, group: string) => {
    if (removed.has(entry)) return;
    removed.add(entry);
    lost(entry, why, group);
  };
  const present = (members: readonly WorldEntry[]) => members.filter((e) => !removed.has(e));

  const hasSticky = new Set<string>();
  for (const [group, members] of groups) {
    const sticky = members.filter(ctx.isSticky);
    if (sticky.length > 0) {
      hasSticky.add(group);
      for (const entry of members) if (!sticky.includes(entry)) remove(entry, 'group_sticky', group);
    }
    for (const entry of members) if (ctx.isCooldown(entry) || ctx.isDelayed(entry)) remove(entry, 'group_timed', group);
  }

  for (const [group, members] of groups) {
    if (hasSticky.has(group)) continue;
    if (!ctx.useGroupScoring && !members.some((e) => e.useGroupScoring === true)) continue;
    const live = present(members);
    const scores = live.map(ctx.score);
    const best = Math.max(...scores);
    live.forEach((entry, i) => {
      if ((entry.useGroupScoring ?? ctx.useGroupScoring) && (scores[i] as number) < best) remove(entry, 'group_score', group);
    });
  }

  const taken = new Set<string>();
  for (const entry of alreadyActivated) for (const group of entry.groups) taken.add(group);

  for (const [group, members] of groups) {
    if (hasSticky.has(group)) continue;
    const live = present(members);
    if (taken.has(group)) {
      for (const entry of live) remove(entry, 'group_taken', group);
      continue;
    }
    if (live.length <= 1) continue;
    const prioritised = live.filter((e) => e.groupOverride);
    if (prioritised.length > 0) {
      // Highest order first; ties keep their order (a stable sort).
      const winner = [...prioritised].sort((a, b) => b.order - a.order)[0] as WorldEntry;
      for (const entry of live) if (entry !== winner) remove(entry, 'group_priority', group);
      continue;
    }
    const total = live.reduce((sum, e) => sum + e.groupWeight, 0);
    const roll = ctx.random() * total;
    let cumulative = 0;
    const winner = live.find((e) => (cumulative += e.groupWeight) >= roll);
    if (!winner) continue;
    for (const entry of live) if (entry !== winner) remove(entry, 'group_roll', group);
  }
  return entries.filter((e) => !removed.has(e));
}
