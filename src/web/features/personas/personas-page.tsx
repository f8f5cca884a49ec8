import { nanoid } from 'nanoid';
import { useState, type FormEvent } from 'react';
import type { Persona } from '../../../shared/api/settings.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';
import { PersonaBookLink } from '../worlds/book-links.js';
import { AvatarPicker } from '../../ui/avatar-picker.js';
import { applyPendingPersonas } from './apply-pending-personas.js';
import './personas.css';

function PersonaForm({ persona, onDone }: { persona: Persona | null; onDone(): void }) {
  const { engine } = useServices();
  const [name, setName] = useState(persona?.name ?? '');
  const [description, setDescription] = useState(persona?.description ?? '');

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    if (persona) {
      await engine.enqueue({
        kind: 'persona-patch',
        personaId: persona.id,
        request: { opId: nanoid(), patch: { name: trimmed, description } },
      });
    } else {
      await engine.enqueue({
        kind: 'persona-create',
        request: { id: nanoid(), name: trimmed, description, isDefault: false },
      });
    }
    onDone();
  }

  return (
    <form className="persona-form stack" onSubmit={submit}>
      <label className="field">
        <span>Name</span>
        <input value={name} maxLength={200} onChange={(event) => setName(event.target.value)} required />
      </label>
      <label className="field">
        <span>
          Description <span className="field-hint">who you are in the story; the model reads it</span>
        </span>
        <textarea rows={4} value={description} onChange={(event) => setDescription(event.target.value)} />
      </label>
      <div className="row">
        <button type="submit" className="primary">
          {persona ? 'Save persona' : 'Add persona'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Who the user is in a chat: a name, a picture and a description; the default one speaks where no other is chosen. */
export function PersonasPage() {
  const { api, engine } = useServices();
  const server = useResource((signal) => api.settings.personas(signal), ['personas'], 'personas');
  const pending = usePendingChanges((change) => (change.kind.startsWith('persona-') ? change : null), server.data);
  const [editing, setEditing] = useState<Persona | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Persona | null>(null);
  const personas = applyPendingPersonas(server.data ?? [], pending);
  const onServer = new Set((server.data ?? []).map((persona) => persona.id));

  const makeDefault = (persona: Persona) =>
    void engine.enqueue({
      kind: 'persona-patch',
      personaId: persona.id,
      request: { opId: nanoid(), patch: { isDefault: true } },
    });

  async function setPicture(persona: Persona, image: Blob) {
    await api.settings.setPersonaAvatar(persona.id, image);
    server.reload();
  }

  return (
    <div className="personas-page">
      <div className="row">
        <h1>Personas</h1>
        <span className="spacer" />
        {editing === null && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            New persona
          </button>
        )}
      </div>
      <p className="muted">
        Who you are in a chat. The default persona speaks wherever no other is chosen; a chat, or a character, can have
        its own (choose it in the chat’s header). The model reads the description.
      </p>
      {editing === 'new' && (
        <div className="panel">
          <PersonaForm persona={null} onDone={() => setEditing(null)} />
        </div>
      )}
      {server.loading && !server.data ? (
        <p className="muted">Loading…</p>
      ) : personas.length === 0 ? (
        <p className="muted">No personas yet: your messages carry your account’s name. The first one you add becomes the default.</p>
      ) : (
        <ul className="persona-list">
          {personas.map((persona) => (
            <li key={persona.id} className="panel persona" aria-label={persona.name}>
              {editing !== 'new' && editing?.id === persona.id ? (
                <PersonaForm persona={persona} onDone={() => setEditing(null)} />
              ) : (
                <div className="persona-row">
                  {onServer.has(persona.id) ? (
                    <AvatarPicker
                      name={persona.name}
                      imageUrl={persona.avatarUrl}
                      shape="square"
                      onPicture={(image) => setPicture(persona, image)}
                    />
                  ) : (
                    <span className="avatar-picker avatar-picker-square" aria-hidden="true" />
                  )}
                  <div className="persona-main">
                    <div className="row">
                      <h2>{persona.name}</h2>
                      {persona.isDefault && <span className="tag">default</span>}
                    </div>
                    {persona.description && <p className="persona-description">{persona.description}</p>}
                    <PersonaBookLink personaId={persona.id} />
                    <div className="row">
                      {!persona.isDefault && (
                        <button type="button" onClick={() => makeDefault(persona)}>
                          Make default
                        </button>
                      )}
                      <button type="button" onClick={() => setEditing(persona)}>
                        Edit
                      </button>
                      <button type="button" className="danger" onClick={() => setDeleting(persona)}>
                        Delete
                      </button>
                    </div>
                  </div>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        title="Delete persona"
        message={deleting ? `Delete the persona “${deleting.name}”? Messages already sent keep their name.` : ''}
        confirmLabel="Delete"
        open={deleting !== null}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) void engine.enqueue({ kind: 'persona-delete', personaId: deleting.id });
          setDeleting(null);
        }}
      />
    </div>
  );
}
