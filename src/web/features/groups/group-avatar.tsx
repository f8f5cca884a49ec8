import type { Group } from '../../../shared/api/groups.js';

/** The group's picture: the first four members' thumbnails as a collage (SillyTavern's default), letters for none. */
export function GroupAvatar({ group, size = 'large' }: { group: Pick<Group, 'name' | 'members' | 'avatarUrl'>; size?: 'large' | 'small' }) {
  if (group.avatarUrl) return <img className={`group-avatar group-avatar-${size}`} src={group.avatarUrl} alt="" />;
  const shown = group.members.slice(0, 4);
  return (
    <span className={`group-avatar group-avatar-${size} group-collage-${Math.max(shown.length, 1)}`} aria-hidden="true">
      {shown.map((m, i) =>
        m.thumbnailUrl ? (
          <img key={i} src={m.thumbnailUrl} alt="" loading="lazy" />
        ) : (
          <span key={i} className="group-avatar-letter">
            {m.name.charAt(0).toUpperCase()}
          </span>
        ),
      )}
    </span>
  );
}
