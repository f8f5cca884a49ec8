import { nanoid } from 'nanoid';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { CharacterSummary } from '../../../shared/api/characters.js';
import { GroupSettings, type Group, type GroupPromptMode, type GroupStrategy } from '../../../shared/api/groups.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import { GroupAvatar } from './group-avatar.js';
import './groups.css';

const STRATEGIES: Record<GroupStrategy, string> = {
  natural: 'Natural order (named members, then by talkativeness)',
  list: 'List order (every member in turn)',
  pooled: 'Pooled (everyone once before anyone twice)',
  manual: 'Manual (you pick who speaks)',
};
const PROMPT_MODES: Record<GroupPromptMode, string> = {
  swap: "Swap: the speaker's card",
  join: "Join: all members' cards (muted left out)",
  join_with_muted: "Join: all members' cards, muted too",
};

interface Draft {
  name: string;
  memberIds: string[];
  mutedIds: string[];
  settings: GroupSettings;
  favourite: boolean;
}

const draftOf = (group: Group | undefined): Draft =>
  group
    ? {
        name: group.name,
        memberIds: group.members.flatMap((m) => (m.characterId && !m.missing ? [m.characterId] : [])),
        mutedIds: group.members.flatMap((m) => (m.characterId && m.muted ? [m.characterId] : [])),
        settings: group.settings,
        favourite: group.favourite,
      }
    : { name: '', memberIds: [], mutedIds: [], settings: GroupSettings.parse({}), favourite: false };

/** `/groups/new` and `/groups/:id`: a group's name, members (order, mute), speaking order, prompt, and its chats. */
export function GroupPage() {
  const { id } = useParams();
  const { api } = useServices();
  const group = useResource((signal) => (id ? api.groups.get(id, signal) : Promise.resolve(undefined)), ['groups'], `group:${id ?? 'new'}`);
  if (id && !group.data) return <p className="centered muted">{group.error ? 'This group is not here.' : 'Loading…'}</p>;
  return <GroupEditor key={`${id ?? 'new'}:${group.data?.revision ?? 0}`} group={group.data} />;
}

function GroupEditor({ group }: { group: Group | undefined }) {
  const { api, engine } = useServices();
  const navigate = useNavigate();
  const characters = useResource((signal) => api.characters.list(signal), ['characters'], 'characters');
  const worlds = useResource((signal) => api.worlds.list(signal), ['worlds'], 'worlds');
  const chats = useResource(
    (signal) => (group ? api.chats.listOfGroup(group.id, signal) : Promise.resolve([])),
    ['chats', 'groups'],
    `group-chats:${group?.id ?? 'new'}`,
  );
  const [draft, setDraft] = useState<Draft>(() => draftOf(group));
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);
  const byId = new Map((characters.data ?? []).map((c) => [c.id, c]));
  const setSettings = (patch: Partial<GroupSettings>) => setDraft((d) => ({ ...d, settings: { ...d.settings, ...patch } }));
  const toggleMember = (id: string) =>
    setDraft((d) => ({ ...d, memberIds: d.memberIds.includes(id) ? d.memberIds.filter((m) => m !== id) : [...d.memberIds, id] }));
  const toggleMuted = (id: string) =>
    setDraft((d) => ({ ...d, mutedIds: d.mutedIds.includes(id) ? d.mutedIds.filter((m) => m !== id) : [...d.mutedIds, id] }));
  const move = (id: string, by: -1 | 1) =>
    setDraft((d) => {
      const list = [...d.memberIds];
      const at = list.indexOf(id);
      const to = at + by;
      if (to < 0 || to >= list.length) return d;
      [list[at], list[to]] = [list[to]!, list[at]!];
      return { ...d, memberIds: list };
    });
  const valid = draft.name.trim() !== '' && draft.memberIds.length > 0;

  async function save() {
    setBusy(true);
    try {
      const mutedIds = draft.mutedIds.filter((m) => draft.memberIds.includes(m));
      if (group) {
        await engine.enqueue({
          kind: 'group-patch',
          groupId: group.id,
          request: { name: draft.name.trim(), memberIds: draft.memberIds, mutedIds, settings: draft.settings, favourite: draft.favourite },
        });
        return;
      }
      const id = nanoid();
      await engine.enqueue({
        kind: 'group-create',
        request: { id, name: draft.name.trim(), memberIds: draft.memberIds, settings: draft.settings, favourite: draft.favourite },
      });
      if (mutedIds.length > 0) await engine.enqueue({ kind: 'group-patch', groupId: id, request: { mutedIds } });
      await engine.whenSaved((change) => change.kind === 'group-create' && change.request.id === id);
      navigate(`/groups/${id}`);
    } finally {
      setBusy(false);
    }
  }

  async function startChat() {
    if (!group) return;
    const id = nanoid();
    await engine.enqueue({ kind: 'chat-create', request: { id, groupId: group.id } });
    navigate(`/chats/${id}`);
  }

  const candidates: CharacterSummary[] = [...(characters.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const missing = group?.members.filter((m) => m.missing) ?? [];

  return (
    <div className="group-editor">
      <header className="row">
        {group && <GroupAvatar group={group} />}
        <h1>{group ? group.name : 'New group'}</h1>
      </header>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <label>
          Name
          <input value={draft.name} onChange={(event) => setDraft({ ...draft, name: event.target.value })} />
        </label>
        <fieldset>
          <legend>Members, in speaking order</legend>
          <ol className="group-editor-members" aria-label="Members">
            {draft.memberIds.map((memberId, index) => (
              <li key={memberId}>
                <span>{byId.get(memberId)?.name ?? '…'}</span>
                <button type="button" className="link-button" aria-label={`Move ${byId.get(memberId)?.name} up`} disabled={index === 0} onClick={() => move(memberId, -1)}>
                  ↑
                </button>
                <button type="button" className="link-button" aria-label={`Move ${byId.get(memberId)?.name} down`} disabled={index === draft.memberIds.length - 1} onClick={() => move(memberId, 1)}>
                  ↓
                </button>
                <label className="inline">
                  <input type="checkbox" checked={draft.mutedIds.includes(memberId)} onChange={() => toggleMuted(memberId)} />
                  Muted
                </label>
              </li>
            ))}
          </ol>
          {missing.length > 0 && (
            <p className="notice" role="status">
              Not in the library (they cannot speak): {missing.map((m) => m.name).join(', ')}
            </p>
          )}
          <details open={!group}>
            <summary>Add or remove characters</summary>
            <ul className="group-editor-members" aria-label="Characters">
              {candidates.map((c) => (
                <li key={c.id}>
                  <label className="inline">
                    <input type="checkbox" checked={draft.memberIds.includes(c.id)} onChange={() => toggleMember(c.id)} />
                    {c.name}
                  </label>
                </li>
              ))}
            </ul>
          </details>
        </fieldset>
        <label>
          Who speaks next
          <select value={draft.settings.strategy} onChange={(event) => setSettings({ strategy: event.target.value as GroupStrategy })}>
            {Object.entries(STRATEGIES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" checked={draft.settings.allowSelfResponses} onChange={(event) => setSettings({ allowSelfResponses: event.target.checked })} />
          A member may answer itself
        </label>
        <label>
          Whose card the prompt carries
          <select value={draft.settings.promptMode} onChange={(event) => setSettings({ promptMode: event.target.value as GroupPromptMode })}>
            {Object.entries(PROMPT_MODES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Auto-mode delay (seconds)
          <input
            type="number"
            min={1}
            max={3600}
            value={draft.settings.autoModeDelay}
            onChange={(event) => setSettings({ autoModeDelay: Math.min(3600, Math.max(1, Number(event.target.value) || 1)) })}
          />
        </label>
        <label>
          Group scenario (replaces the members' scenarios)
          <textarea rows={3} value={draft.settings.scenario} onChange={(event) => setSettings({ scenario: event.target.value })} />
        </label>
        <label>
          System prompt (replaces the cards')
          <textarea rows={3} value={draft.settings.systemPrompt} onChange={(event) => setSettings({ systemPrompt: event.target.value })} />
        </label>
        <fieldset className="group-books">
          <legend>The group's books (read in its chats with the members' own)</legend>
          {(worlds.data ?? []).length === 0 && <span className="muted">No books yet.</span>}
          {(worlds.data ?? []).map((world) => (
            <label key={world.id} className="inline">
              <input
                type="checkbox"
                checked={draft.settings.books.includes(world.name)}
                onChange={(event) =>
                  setSettings({
                    books: event.target.checked ? [...draft.settings.books, world.name] : draft.settings.books.filter((b) => b !== world.name),
                  })
                }
              />
              {world.name}
            </label>
          ))}
        </fieldset>
        <label className="inline">
          <input type="checkbox" checked={draft.favourite} onChange={(event) => setDraft({ ...draft, favourite: event.target.checked })} />
          Favourite
        </label>
        <div className="row">
          {!valid && <span className="form-problem">A group needs a name and at least one member.</span>}
          <button type="submit" className="primary" disabled={!valid || busy}>
            {group ? 'Save group' : 'Create group'}
          </button>
          {group && (
            <button type="button" className="link-button danger" onClick={() => setDeleting(true)}>
              Delete group
            </button>
          )}
        </div>
      </form>
      {group && (
        <section aria-label="Group chats">
          <div className="row">
            <h2>Chats</h2>
            <button type="button" className="primary" onClick={() => void startChat()}>
              New group chat
            </button>
          </div>
          <ul>
            {(chats.data ?? []).map((chat) => (
              <li key={chat.id}>
                <Link to={`/chats/${chat.id}`}>{chat.title}</Link> <span className="muted">({chat.messageCount} messages)</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <ConfirmDialog
        title="Delete group"
        message={group ? `Move ${group.name} and its chats to the trash? Its characters stay.` : ''}
        confirmLabel="Delete"
        open={deleting}
        onCancel={() => setDeleting(false)}
        onConfirm={() => {
          setDeleting(false);
          if (!group) return;
          void engine.enqueue({ kind: 'group-delete', groupId: group.id }).then(() => navigate('/'));
        }}
      />
    </div>
  );
}
