import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { Persona } from '../../../shared/api/settings.js';
import { choosePersona } from '../../../shared/persona-choice.js';
import { Dialog } from '../../ui/dialog.js';
import type { ChatPersona } from './use-chat-persona.js';
import './chat-persona.css';

interface ChatPersonaButtonProps {
  persona: ChatPersona;
  characterName: string | null;
  /** Chooses a persona for this chat; null follows the character's lock or the default again. */
  onChoose(personaId: string | null): void;
  /** Locks a persona to the character; null unlocks it. */
  onLock(personaId: string | null): void;
}

const SOURCE_LABEL = { chat: 'chosen for this chat', character: 'locked to the character', default: 'the default' } as const;

function PersonaFace({ persona, name }: { persona: Persona | null; name: string }) {
  if (persona?.avatarUrl) return <img className="persona-face" src={persona.avatarUrl} alt="" />;
  return (
    <span className="persona-face persona-face-letter" aria-hidden="true">
      {name.trim().charAt(0).toUpperCase() || '?'}
    </span>
  );
}

/** The chat header's "as Ann": who speaks in this chat, and the place to choose someone else or lock them. */
export function ChatPersonaButton({ persona, characterName, onChoose, onLock }: ChatPersonaButtonProps) {
  const [open, setOpen] = useState(false);
  // What the user just picked shows at once; the outbox's copy of it takes over when it is read back.
  const [picked, setPicked] = useState<{ chat?: string | null; lock?: string | null }>({});
  const groupName = useId();
  const chatPersonaId = 'chat' in picked ? picked.chat! : persona.chatPersonaId;
  const lockedPersonaId = 'lock' in picked ? picked.lock! : persona.lockedPersonaId;
  const choice = choosePersona(persona.personas, { chat: chatPersonaId, character: lockedPersonaId });
  const speaking = choice?.persona ?? null;
  const name = speaking?.name ?? persona.name;
  const why = choice ? SOURCE_LABEL[choice.source] : 'your account’s name: no persona yet';
  const locked = speaking !== null && lockedPersonaId === speaking.id;
  const choose = (personaId: string | null) => {
    setPicked((prev) => ({ ...prev, chat: personaId }));
    onChoose(personaId);
  };
  const lock = (personaId: string | null) => {
    setPicked((prev) => ({ ...prev, lock: personaId }));
    onLock(personaId);
  };
  const close = () => {
    setOpen(false);
    setPicked({});
  };

  return (
    <>
      <button
        type="button"
        className="chat-persona"
        aria-label={`You speak as ${name} (${why}). Choose who you are in this chat`}
        title={`You speak as ${name} (${why})`}
        onClick={() => setOpen(true)}
      >
        <PersonaFace persona={speaking} name={name} />
        <span className="chat-persona-name">
          <span className="muted">as</span> {name}
        </span>
      </button>
      <Dialog title="Who you are in this chat" open={open} onClose={close} className="persona-dialog">
        {persona.personas.length === 0 ? (
          <p className="muted">
            Your messages carry your account’s name. <Link to="/personas">Add a persona</Link> to give yourself a name, a
            picture and a description the model reads.
          </p>
        ) : (
          <fieldset className="persona-options">
            <legend className="muted">Speak as</legend>
            <label className="persona-option">
              <input
                type="radio"
                name={groupName}
                checked={chatPersonaId === null}
                onChange={() => choose(null)}
              />
              <span>
                {characterName && lockedPersonaId ? `The persona locked to ${characterName}` : 'The default persona'}
              </span>
            </label>
            {persona.personas.map((candidate) => (
              <label key={candidate.id} className="persona-option">
                <input
                  type="radio"
                  name={groupName}
                  checked={chatPersonaId === candidate.id}
                  onChange={() => choose(candidate.id)}
                />
                <PersonaFace persona={candidate} name={candidate.name} />
                <span>
                  {candidate.name}
                  {candidate.isDefault && <span className="tag">default</span>}
                  {lockedPersonaId === candidate.id && <span className="tag">locked</span>}
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {speaking && characterName && (
          <label className="persona-lock">
            <input type="checkbox" checked={locked} onChange={(event) => lock(event.target.checked ? speaking.id : null)} />
            <span>
              Always be {speaking.name} with {characterName}
            </span>
          </label>
        )}
        <div className="dialog-actions">
          <Link to="/personas" className="button link-button">
            Manage personas
          </Link>
          <span className="spacer" />
          <button type="button" className="primary" onClick={close}>
            Done
          </button>
        </div>
      </Dialog>
    </>
  );
}
