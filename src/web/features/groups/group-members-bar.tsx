import type { Group } from '../../../shared/api/groups.js';

interface GroupMembersBarProps {
  group: Group;
  /** The member writing now, if any. */
  speakingId: string | null;
  busy: boolean;
  canGenerate: boolean;
  auto: boolean;
  onSpeak(characterId: string): void;
  onMute(characterId: string, muted: boolean): void;
  onAuto(on: boolean): void;
}

/** Who is in the group chat: each member can be made to speak now, or muted; auto-mode lets them talk on. */
export function GroupMembersBar({ group, speakingId, busy, canGenerate, auto, onSpeak, onMute, onAuto }: GroupMembersBarProps) {
  return (
    <div className="group-members-bar" aria-label="Group members">
      {group.members.map((member, index) => {
        const id = member.characterId;
        const classes = ['group-member', member.muted && 'is-muted', member.missing && 'is-missing', id && id === speakingId && 'is-speaking'];
        return (
          <span key={id ?? `missing-${index}`} className={classes.filter(Boolean).join(' ')} title={member.missing ? `${member.name} is not in the library` : member.name}>
            {member.thumbnailUrl ? <img src={member.thumbnailUrl} alt="" /> : <span className="group-avatar-letter">{member.name.charAt(0)}</span>}
            <span className="group-member-name">{member.name}</span>
            {id && !member.missing && (
              <>
                <button type="button" className="link-button" disabled={busy || !canGenerate} aria-label={`Make ${member.name} speak`} onClick={() => onSpeak(id)}>
                  Speak
                </button>
                <button type="button" className="link-button" aria-pressed={member.muted} aria-label={`Mute ${member.name}`} onClick={() => onMute(id, !member.muted)}>
                  {member.muted ? 'Unmute' : 'Mute'}
                </button>
              </>
            )}
          </span>
        );
      })}
      <label className="inline group-auto">
        <input type="checkbox" checked={auto} disabled={!canGenerate} onChange={(event) => onAuto(event.target.checked)} />
        Auto-mode
      </label>
    </div>
  );
}
