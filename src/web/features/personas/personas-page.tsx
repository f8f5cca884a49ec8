import { nanoid } from 'nanoid';
import { useState, type FormEvent } from 'react';
import type { Persona } from '../../../shared/api/settings.js';
import { ConfirmDialog } from '../../app/confirm-dialog.js';
import { useServices } from '../../app/services.js';
import { usePendingChanges } from '../../app/use-pending-changes.js';
import { useResource } from '../../app/use-resource.js';
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

/** Who the user is in a chat: a name and a description; the default one is used for new messages. */
export function PersonasPage() {
  const { api, engine } = useServices();
  const server = useResource((signal) => api.settings.personas(signal), ['personas'], 'personas');
  const pending = usePendingChanges((change) => (change.kind.startsWith('persona-') ? change : null), server.data);
  const [editing, setEditing] = useState<Persona | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Persona | null>(null);
  const personas = applyPendingPersonas(server.data ?? [], pending);

  const makeDefault = (persona: Persona) =>
    void engine.enqueue({
      kind: 'persona-patch',
      personaId: persona.id,
      request: { opId: nanoid(), patch: { isDefault: true } },
    });

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
      <p className="muted">Your messages carry the default persona’s name, and the model reads its description.</p>
      {editing === 'new' && (
        <div className="panel">
          <PersonaForm persona={null} onDone={() => setEditing(null)} />
        </div>
      )}
      {server.loading && !server.data ? (
        <p className="muted">Loading…</p>
      ) : personas.length === 0 ? (
        <p className="muted">No personas yet: your messages carry your account’s name.</p>
      ) : (
        <ul className="persona-list">
          {personas.map((persona) => (
            <li key={persona.id} className="panel persona">
              {editing !== 'new' && editing?.id === persona.id ? (
                <PersonaForm persona={persona} onDone={() => setEditing(null)} />
              ) : (
                <>
                  <div className="row">
                    <h2>{persona.name}</h2>
                    {persona.isDefault && <span className="tag">default</span>}
                  </div>
                  {persona.description && <p className="persona-description">{persona.description}</p>}
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
                </>
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
