import { Link } from 'react-router';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import { GroupAvatar } from './group-avatar.js';
import './groups.css';

/** The library's groups: a click opens the latest chat (or the group when it has none), as a character's does. */
export function GroupsSection() {
  const { api } = useServices();
  const groups = useResource((signal) => api.groups.list(signal), ['groups', 'characters', 'chats'], 'groups');
  const list = groups.data ?? [];
  return (
    <section className="groups-section" aria-label="Groups">
      <div className="row groups-heading">
        <h2>Groups</h2>
        <Link className="button" to="/groups/new">
          New group
        </Link>
      </div>
      {list.length === 0 ? (
        <p className="muted">{groups.loading ? 'Loading groups…' : 'No groups yet. A group chat has several characters in it.'}</p>
      ) : (
        <ul className="group-grid">
          {list.map((group) => (
            <li key={group.id} className="group-card">
              <Link to={group.latestChatId ? `/chats/${group.latestChatId}` : `/groups/${group.id}`} className="group-open" title={`Open ${group.name}`}>
                <GroupAvatar group={group} />
                <span className="group-name">
                  {group.favourite && <span aria-label="favourite">★ </span>}
                  {group.name}
                </span>
              </Link>
              <span className="muted group-facts">
                {group.members.length} members · {group.chatCount} {group.chatCount === 1 ? 'chat' : 'chats'}
              </span>
              <Link className="button link-button" to={`/groups/${group.id}`} aria-label={`Edit ${group.name}`}>
                Edit
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
