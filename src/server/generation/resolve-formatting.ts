import type { ContextTemplate, FormattingCatalog, FormattingSettings, InstructTemplate, SamplerPreset } from '../../shared/api/text-formatting.js';
import { BUNDLED_CONTEXT, BUNDLED_INSTRUCT, bundledInstructId, DEFAULT_CONTEXT_ID, DEFAULT_INSTRUCT_ID } from './bundled-formatting.js';

/*
 * Which template an id names. The user's own come first (an import may reuse a bundled id to replace it), then
 * the bundled ones (and the ids connections stored before templates were editable); an id that names nothing — a
 * template deleted since — falls back to the user's default and then Parley's, so a stored value never stops a
 * generation.
 */

export interface Resolved<T> {
  id: string;
  template: T;
}

/** The instruct template an id names, if any (no fallback). */
export function lookupInstruct(settings: FormattingSettings, id: string | null | undefined): Resolved<InstructTemplate> | undefined {
  if (!id) return undefined;
  const own = settings.instruct[id];
  if (own) return { id, template: own };
  const bundled = bundledInstructId(id);
  return bundled ? { id: bundled, template: BUNDLED_INSTRUCT[bundled]! } : undefined;
}

/** The context template an id names, if any (no fallback). */
export function lookupContext(settings: FormattingSettings, id: string | null | undefined): Resolved<ContextTemplate> | undefined {
  if (!id) return undefined;
  const own = settings.context[id];
  if (own) return { id, template: own };
  return Object.hasOwn(BUNDLED_CONTEXT, id) ? { id, template: BUNDLED_CONTEXT[id]! } : undefined;
}

/** The instruct template in force for a connection naming `id` (or none). */
export const resolveInstruct = (settings: FormattingSettings, id?: string | null): Resolved<InstructTemplate> =>
  lookupInstruct(settings, id) ?? lookupInstruct(settings, settings.activeInstruct) ?? { id: DEFAULT_INSTRUCT_ID, template: BUNDLED_INSTRUCT[DEFAULT_INSTRUCT_ID]! };

/** The context template in force for a connection naming `id` (or none). */
export const resolveContext = (settings: FormattingSettings, id?: string | null): Resolved<ContextTemplate> =>
  lookupContext(settings, id) ?? lookupContext(settings, settings.activeContext) ?? { id: DEFAULT_CONTEXT_ID, template: BUNDLED_CONTEXT[DEFAULT_CONTEXT_ID]! };

/** A saved sampler preset by id, or undefined. */
export const samplerPresetById = (settings: FormattingSettings, id: string | null | undefined): SamplerPreset | undefined =>
  id ? settings.samplerPresets[id] : undefined;

/** Every template and preset the user can pick, bundled first. */
export function formattingCatalog(settings: FormattingSettings): FormattingCatalog {
  const bundledInstruct = Object.entries(BUNDLED_INSTRUCT).filter(([id]) => !settings.instruct[id]);
  const bundledContext = Object.entries(BUNDLED_CONTEXT).filter(([id]) => !settings.context[id]);
  return {
    instruct: [
      ...bundledInstruct.map(([id, template]) => ({ id, bundled: true, template })),
      ...Object.entries(settings.instruct).map(([id, template]) => ({ id, bundled: false, template })),
    ],
    context: [
      ...bundledContext.map(([id, template]) => ({ id, bundled: true, template })),
      ...Object.entries(settings.context).map(([id, template]) => ({ id, bundled: false, template })),
    ],
    samplerPresets: Object.entries(settings.samplerPresets).map(([id, preset]) => ({ id, preset })),
    defaults: { instruct: resolveInstruct(settings).id, context: resolveContext(settings).id },
  };
}
