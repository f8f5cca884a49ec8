import { useState } from 'react';
import type { Character } from '../../../shared/api/characters.js';
import type { ConnectionProfile } from '../../../shared/api/generation.js';
import {
  CARD_EXTENSION_KEY,
  CHAT_OVERRIDES_KEY,
  characterOverrides,
  chatOverrides,
  type GenerationOverrides,
  OVERRIDE_FIELDS,
  type OverrideField,
  type ResolvedOverridesView,
} from '../../../shared/api/generation-overrides.js';
import { promptManagerOf } from '../../../shared/api/prompt-manager.js';
import { promptSettingsOf } from '../../../shared/api/prompt-settings.js';
import { Dialog } from '../../ui/dialog.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import type { SettingsState } from '../settings/use-settings.js';

interface GenerationChoicesProps {
  chatId: string;
  metadata: Record<string, unknown>;
  /** The chat's character (null in a group chat: the speaking member's choices apply there). */
  character: Character | null;
  settings: SettingsState;
  /** The user's connections, as the chat screen has them already. */
  connections: readonly ConnectionProfile[];
  onChatPatch(patch: Record<string, unknown>): void;
}

const FROM = { chat: 'this chat', character: 'the character', global: '' } as const;

/**
 * What the chat's next reply uses — the connection, the system prompt, the prompt manager preset, text completion's
 * templates and a sampler preset — with where each
 * choice comes from ("Claude · from the character"), and a dialog to choose them for this chat or this character
 * (chat > character > your settings, field by field).
 */
export function GenerationChoices({ chatId, metadata, character, settings, connections, onChatPatch }: GenerationChoicesProps) {
  const { api } = useServices();
  const [open, setOpen] = useState(false);
  const topics = ['settings', 'connections', `chat:${chatId}`, ...(character ? [`character:${character.id}`] : [])];
  const view = useResource((signal) => api.chats.overrides(chatId, signal), topics, `overrides:${chatId}`);
  const inForce = view.data;

  return (
    <>
      <button type="button" className="link-button chat-choices" onClick={() => setOpen(true)} title="What the next reply uses, and where each choice comes from">
        {inForce ? (inForce.connection.name ?? 'No connection') + from(inForce.connection.from) : 'Model…'}
      </button>
      <Dialog title="For this chat" open={open} onClose={() => setOpen(false)}>
        <ChoicesForm
          inForce={inForce}
          metadata={metadata}
          character={character}
          settings={settings}
          connections={connections}
          onChatPatch={onChatPatch}
          onDone={() => setOpen(false)}
        />
      </Dialog>
    </>
  );
}

const from = (level: keyof typeof FROM) => (FROM[level] ? ` · from ${FROM[level]}` : '');

const LABELS: Record<OverrideField, string> = {
  connectionId: 'Connection',
  systemPromptId: 'System prompt',
  promptPresetId: 'Prompt manager preset',
  instructTemplateId: 'Instruct template (text completion)',
  contextTemplateId: 'Context template (text completion)',
  samplerPresetId: 'Sampler preset',
};

interface ChoicesFormProps extends Omit<GenerationChoicesProps, 'chatId'> {
  inForce: ResolvedOverridesView | undefined;
  onDone(): void;
}

/** The dialog's contents, made only while it is open: the templates it lists are fetched then, not as the chat opens. */
function ChoicesForm({ inForce, metadata, character, settings, connections, onChatPatch, onDone }: ChoicesFormProps) {
  const { api, engine } = useServices();
  const formatting = useResource((signal) => api.formatting.catalog(signal), ['settings'], 'formatting-catalog');
  const chat = chatOverrides(metadata);
  const own = character ? characterOverrides(character.card.data.extensions) : {};
  // A merge patch: null clears the chat's choice of this field, leaving the others.
  const setChat = (field: OverrideField, id: string) => onChatPatch({ [CHAT_OVERRIDES_KEY]: { [field]: id || null } });
  const setCharacter = (field: OverrideField, id: string) => {
    if (!character) return;
    const card = character.card;
    const extensions = card.data.extensions ?? {};
    const parley = typeof extensions[CARD_EXTENSION_KEY] === 'object' && extensions[CARD_EXTENSION_KEY] !== null ? (extensions[CARD_EXTENSION_KEY] as Record<string, unknown>) : {};
    const overrides: GenerationOverrides = { ...own, [field]: id || undefined };
    const next = { ...card, data: { ...card.data, extensions: { ...extensions, [CARD_EXTENSION_KEY]: { ...parley, overrides: JSON.parse(JSON.stringify(overrides)) } } } };
    void engine.enqueue({ kind: 'character-put', characterId: character.id, card: next });
  };

  const catalog = formatting.data;
  const options: Record<OverrideField, Array<{ id: string; name: string }>> = {
    connectionId: connections.map((c) => ({ id: c.id, name: `${c.name}${c.model ? ` (${c.model})` : ''}` })),
    systemPromptId: promptSettingsOf(settings.values).systemPrompts.map((p) => ({ id: p.id, name: p.name })),
    promptPresetId: Object.values(promptManagerOf(settings.values).presets).map((p) => ({ id: p.id, name: p.name })),
    instructTemplateId: (catalog?.instruct ?? []).map((t) => ({ id: t.id, name: t.template.name })),
    contextTemplateId: (catalog?.context ?? []).map((t) => ({ id: t.id, name: t.template.name })),
    samplerPresetId: (catalog?.samplerPresets ?? []).map((p) => ({ id: p.id, name: p.preset.name })),
  };

  return (
    <div className="stack">
      {inForce && (
        <p className="muted">
          Now: {inForce.connection.name ?? 'no connection'}
          {inForce.connection.model ? ` (${inForce.connection.model})` : ''}
          {from(inForce.connection.from)}; system prompt {inForce.systemPrompt.name ?? '—'}
          {from(inForce.systemPrompt.from)}; preset {inForce.promptPreset.name ?? "Parley's default order"}
          {from(inForce.promptPreset.from)}.
        </p>
      )}
      {OVERRIDE_FIELDS.map((field) => (
        <div key={field} className="row">
          <ChoiceSelect
            label={`${LABELS[field]} for this chat`}
            value={chat[field]}
            unset={character ? 'As the character has it' : 'As in your settings'}
            options={options[field]}
            onChange={(id) => setChat(field, id)}
          />
          {character && (
            <ChoiceSelect
              label={`for ${character.card.data.name}`}
              value={own[field]}
              unset="As in your settings"
              options={options[field]}
              onChange={(id) => setCharacter(field, id)}
            />
          )}
        </div>
      ))}
      <div className="dialog-actions">
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

/** One level's choice of a field: its options, or nothing chosen (`unset` says what applies then). */
function ChoiceSelect(props: {
  label: string;
  value: string | null | undefined;
  unset: string;
  options: ReadonlyArray<{ id: string; name: string }>;
  onChange(id: string): void;
}) {
  return (
    <label className="field grow">
      <span>{props.label}</span>
      <select value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{props.unset}</option>
        {props.options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}
