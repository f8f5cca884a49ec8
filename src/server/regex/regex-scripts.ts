import { parseFindRegex, REGEX_PLACEMENT, SUBSTITUTE_REGEX, type RegexPlacement, type RegexScript } from '../../shared/api/regex-scripts.js';
import { expandMacros, type MacroContext } from '../../shared/macros.js';
import type { RegexReplacer, ReplaceStep } from './time-limited-regex.js';

/**
 * When a script runs, SillyTavern's four cases of `getRegexedString`:
 * - `stored`: a message as it is written (user input on send, a reply when it is final): scripts with neither
 *   "only" flag, which change the stored text;
 * - `edit`: a message the user edits: those of them that also run on edit;
 * - `display`: what the message view shows: "alter display only" (markdownOnly) scripts;
 * - `prompt`: what goes into the prompt: "alter prompt only" (promptOnly) scripts.
 */
export type RegexMoment = 'stored' | 'edit' | 'display' | 'prompt';

/** One text to run scripts on: its kind, and its depth (messages from the newest, 0) when it has one. */
export interface RegexTarget {
  text: string;
  placement: RegexPlacement;
  depth?: number | undefined;
}

/** Whether a script runs on a text of this kind, at this moment, at this depth (SillyTavern's rules). */
export function scriptApplies(script: RegexScript, moment: RegexMoment, placement: RegexPlacement, depth?: number): boolean {
  if (script.disabled || !script.findRegex || !script.placement.includes(placement)) return false;
  const plain = !script.markdownOnly && !script.promptOnly;
  // As in SillyTavern, world info is prompt text: only "alter prompt only" scripts change it (one with neither flag
  // never runs on it).
  const when = moment === 'display' ? script.markdownOnly : moment === 'prompt' ? script.promptOnly : moment === 'edit' ? plain && script.runOnEdit : plain;
  if (!when) return false;
  if (depth !== undefined) {
    // A bound below its range (null, or under -1 / 0) is no bound, as in SillyTavern.
    if (script.minDepth !== null && script.minDepth >= -1 && depth < script.minDepth) return false;
    if (script.maxDepth !== null && script.maxDepth >= 0 && depth > script.maxDepth) return false;
  }
  return true;
}

/** Escapes what a macro inserts into a find pattern (substituteRegex 2), so a name like "Dr. K" matches itself. */
const escapeForRegex = (text: string) => text.replace(/[\n\r\t\v\f\0.^$*+?{}[\]\\/|()]/g, (c) => ESCAPES[c] ?? `\\${c}`);
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\f': '\\f', '\0': '\\0' };

/**
 * A script as a replacement step, its macros expanded; null when its pattern does not compile (SillyTavern skips it).
 * Differences from SillyTavern: macros in the replacement are expanded before the groups go in (there after), so a
 * macro written in the matched text itself stays as written; with substituteRegex 2 the escaped values are those of
 * the names and card fields (SillyTavern escapes every macro's value).
 */
export function replaceStep(script: RegexScript, macros: MacroContext): ReplaceStep | null {
  const expand = (text: string) => expandMacros(text, { ...macros, variables: { ...macros.variables } });
  const find =
    script.substituteRegex === SUBSTITUTE_REGEX.raw
      ? expand(script.findRegex)
      : script.substituteRegex === SUBSTITUTE_REGEX.escaped
        ? expandMacros(script.findRegex, escapedContext(macros))
        : script.findRegex;
  const regex = parseFindRegex(find);
  if (!regex) return null;
  const template = expand(script.replaceString.replace(/\{\{match\}\}/gi, '$0'));
  return { ...regex, template, trims: script.trimStrings.map(expand).filter((t) => t !== '') };
}

function escapedContext(macros: MacroContext): MacroContext {
  const fields = Object.fromEntries(Object.entries(macros.fields ?? {}).map(([k, v]) => [k, escapeForRegex(v ?? '')]));
  return { ...macros, char: escapeForRegex(macros.char), user: escapeForRegex(macros.user), fields, variables: { ...macros.variables } };
}

export interface RegexRun {
  texts: string[];
  /** Names of the scripts skipped because their pattern ran out of time (reported, never run again). */
  slow: string[];
}

/**
 * Runs the scripts that apply to each target, in order (global scripts first, then the card's), through the
 * time-limited runner: a catastrophic pattern is ended by its watchdog and skipped, never stalls the server.
 */
export async function runRegexScripts(
  replacer: RegexReplacer,
  scripts: readonly RegexScript[],
  moment: RegexMoment,
  targets: readonly RegexTarget[],
  macros: MacroContext,
): Promise<RegexRun> {
  if (scripts.length === 0 || targets.length === 0) return { texts: targets.map((t) => t.text), slow: [] };
  const steps = new Map<RegexScript, ReplaceStep | null>();
  const stepOf = (s: RegexScript) => {
    if (!steps.has(s)) steps.set(s, replaceStep(s, macros));
    return steps.get(s) ?? null;
  };
  const jobs = targets.map((t) => ({
    text: t.text,
    steps: scripts.filter((s) => scriptApplies(s, moment, t.placement, t.depth)).flatMap((s) => stepOf(s) ?? []),
  }));
  if (jobs.every((j) => j.steps.length === 0 || j.text === '')) return { texts: targets.map((t) => t.text), slow: [] };
  const result = await replacer.replace(jobs);
  const slowIds = new Set(result.slow.map((r) => `${r.flags}/${r.source}`));
  const slow = scripts.filter((s) => {
    const step = steps.get(s);
    return step && slowIds.has(`${step.flags}/${step.source}`);
  });
  return { texts: result.texts, slow: slow.map((s) => s.scriptName || s.findRegex) };
}

/** The placement of a message's text: the user's input, or a character's output (narrator lines are slash commands). */
export function placementOfMessage(message: { role: string; extra?: Record<string, unknown> }): RegexPlacement {
  if (message.role === 'user') return REGEX_PLACEMENT.userInput;
  if (message.role === 'system' || message.extra?.type === 'narrator') return REGEX_PLACEMENT.slashCommand;
  return REGEX_PLACEMENT.aiOutput;
}
