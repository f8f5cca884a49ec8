import type { WorldInfoInspection } from '../../../shared/api/world-info-inspection.js';
import type { WorldInfoActivation } from './activate-world-info.js';
import type { InjectionRole } from './world-entry.js';
import { splitExampleDialogue } from '../example-dialogue.js';
import type { DepthPart, PromptPart } from '../prompt-pipeline/prompt-parts.js';

export interface DepthInjection {
  depth: number;
  role: InjectionRole;
  text: string;
}

/**
 * What prompt assembly places from world info: text before and after the character's fields, example blocks
 * before and after the card's, messages in the chat at a depth, and text before and after the Author's Note (which
 * goes with the note, where and when the note goes). Outlet entries go nowhere until a prompt asks for them with
 * {{outlet::name}}; the inspector lists them.
 */
export interface WorldInfoForPrompt {
  before: string;
  after: string;
  examplesTop: string[];
  examplesBottom: string[];
  injections: DepthInjection[];
  authorsNoteTop: string[];
  authorsNoteBottom: string[];
  inspection: WorldInfoInspection;
}

export function worldInfoForPrompt(activation: WorldInfoActivation, count: (text: string) => number): WorldInfoForPrompt {
  const injections: DepthInjection[] = activation.atDepth.map((d) => ({ depth: d.depth, role: d.role, text: d.contents.join('\n') }));
  const dropped = activation.dropped.map((d) => ({
    book: d.entry.book,
    uid: d.entry.uid,
    name: d.entry.name,
    source: d.source,
    included: false,
    why: d.why,
    position: d.entry.position,
    tokens: count(d.entry.content),
  }));
  return {
    before: activation.before.join('\n'),
    after: activation.after.join('\n'),
    examplesTop: activation.examplesTop,
    examplesBottom: activation.examplesBottom,
    injections,
    authorsNoteTop: activation.authorsNoteTop,
    authorsNoteBottom: activation.authorsNoteBottom,
    inspection: {
      entries: [
        ...activation.activated.map((a) => ({
          book: a.entry.book,
          uid: a.entry.uid,
          name: a.entry.name,
          source: a.source,
          included: true,
          why: a.reason,
          ...(a.matchedKey !== undefined ? { matchedKey: a.matchedKey } : {}),
          step: a.step,
          position: a.entry.position,
          ...(a.entry.position === 'at_depth' ? { depth: a.entry.depth, role: a.entry.role } : {}),
          ...(a.entry.position === 'outlet' ? { outlet: a.entry.outletName } : {}),
          tokens: a.tokens,
        })),
        ...dropped,
      ],
      budget: activation.budget,
      problems: activation.problems,
      steps: activation.steps,
    },
  };
}

/** World info's parts of the prompt (a gather-stage source): already expanded when activated, so macros leave them. */
export function worldInfoParts(wi: WorldInfoForPrompt, names: { user: string; char: string }) {
  const part = (position: string, text: string, role: InjectionRole = 'system'): PromptPart => ({
    part: 'lorebook',
    source: { kind: 'world_info', detail: position },
    role,
    name: role === 'system' ? 'system' : role === 'user' ? names.user : names.char,
    text,
    macros: { kind: 'none' },
  });
  const examples = (position: string, texts: readonly string[]): PromptPart[] =>
    texts
      .flatMap((text) => splitExampleDialogue(text))
      .map((block) => ({ ...part(position, `<START>\n${block}`), part: 'example_dialogue' }));
  return {
    before: part('before', wi.before),
    after: part('after', wi.after),
    examplesTop: examples('examples_top', wi.examplesTop),
    examplesBottom: examples('examples_bottom', wi.examplesBottom),
    injections: wi.injections.map((j): DepthPart => ({ ...part('at_depth', j.text, j.role), depth: j.depth })),
  };
}
