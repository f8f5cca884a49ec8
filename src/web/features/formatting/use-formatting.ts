import { nanoid } from 'nanoid';
import { useCallback, useMemo } from 'react';
import {
  FORMATTING_SETTINGS_KEY,
  formattingSettingsOf,
  type ContextTemplate,
  type FormattingKind,
  type InstructTemplate,
  type SamplerPreset,
} from '../../../shared/api/text-formatting.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import { useSettings } from '../settings/use-settings.js';

export interface Listed<T> {
  id: string;
  bundled: boolean;
  template: T;
}

const SLOT = { instruct: 'instruct', context: 'context', sampler: 'samplerPresets' } as const;
const ACTIVE = { instruct: 'activeInstruct', context: 'activeContext', sampler: 'activeSamplerPreset' } as const;

/**
 * The templates and sampler presets the user can pick: the bundled ones from the server, the user's own from their
 * settings (with changes still waiting in the outbox on top), and the writes, which are settings patches.
 */
export function useFormatting() {
  const { api } = useServices();
  const settings = useSettings();
  const catalog = useResource((signal) => api.formatting.catalog(signal), ['settings'], 'formatting');
  const own = useMemo(() => formattingSettingsOf(settings.values), [settings.values]);
  const bundled = catalog.data;

  const instruct = useMemo<Listed<InstructTemplate>[]>(
    () => [
      ...(bundled?.instruct ?? []).filter((t) => t.bundled && !own.instruct[t.id]),
      ...Object.entries(own.instruct).map(([id, template]) => ({ id, bundled: false, template })),
    ],
    [bundled, own],
  );
  const context = useMemo<Listed<ContextTemplate>[]>(
    () => [
      ...(bundled?.context ?? []).filter((t) => t.bundled && !own.context[t.id]),
      ...Object.entries(own.context).map(([id, template]) => ({ id, bundled: false, template })),
    ],
    [bundled, own],
  );
  const presets = useMemo(() => Object.entries(own.samplerPresets).map(([id, preset]) => ({ id, preset })), [own]);

  const write = useCallback((change: Record<string, unknown>) => settings.patch({ [FORMATTING_SETTINGS_KEY]: change }), [settings]);
  const save = useCallback(
    (kind: FormattingKind, id: string, value: InstructTemplate | ContextTemplate | SamplerPreset) => write({ [SLOT[kind]]: { [id]: value } }),
    [write],
  );
  const remove = useCallback((kind: FormattingKind, id: string) => write({ [SLOT[kind]]: { [id]: null } }), [write]);
  const setDefault = useCallback((kind: FormattingKind, id: string | null) => write({ [ACTIVE[kind]]: id }), [write]);

  /** A SillyTavern file picked by the user, under a new id; resolves to the problem, or null when it was read. */
  const importFile = useCallback(
    async (kind: FormattingKind, file: File): Promise<string | null> => {
      let data: unknown;
      try {
        data = JSON.parse(await file.text());
      } catch {
        return `${file.name} is not a JSON file.`;
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return `${file.name} is not a SillyTavern ${kind} file.`;
      try {
        await api.formatting.import(kind, nanoid(), file.name.replace(/\.json$/i, ''), data as Record<string, unknown>);
        // Written beside the outbox: this tab reads it back (other tabs hear of it from the server).
        settings.reload();
        return null;
      } catch (error) {
        return error instanceof Error ? error.message : 'The server could not be reached.';
      }
    },
    [api, settings],
  );

  return {
    loaded: settings.loaded && bundled !== undefined,
    instruct,
    context,
    presets,
    active: { instruct: own.activeInstruct, context: own.activeContext, sampler: own.activeSamplerPreset },
    defaults: bundled?.defaults,
    save,
    remove,
    setDefault,
    importFile,
    exportUrl: api.formatting.exportUrl,
  };
}

export type FormattingState = ReturnType<typeof useFormatting>;
