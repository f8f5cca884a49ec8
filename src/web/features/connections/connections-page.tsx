import { useState } from 'react';
import { useSearchParams } from 'react-router';
import type { ConnectionProfile } from '../../../shared/api/generation.js';
import { CONNECTION_PRESETS } from '../../../shared/api/providers.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { useServices } from '../../ui/services.js';
import { ConnectModelPanel } from './connect-model-panel.js';
import { ConnectionCard } from './connection-card.js';
import { ConnectionForm } from './connection-form.js';
import { useSettings } from '../settings/use-settings.js';
import { useConnections } from './use-connections.js';
import './connections.css';

/** Connection profiles: presets for the usual backends, a test, a model pick, sampler settings. */
export function ConnectionsPage() {
  const { engine } = useServices();
  const connections = useConnections(useSettings());
  const [params, setParams] = useSearchParams();
  const preset = CONNECTION_PRESETS.find((p) => p.id === params.get('preset')) ?? null;
  const [editing, setEditing] = useState<ConnectionProfile | null>(null);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<ConnectionProfile | null>(null);
  const formOpen = adding || preset !== null || editing !== null;

  const close = () => {
    setAdding(false);
    setEditing(null);
    if (preset) setParams({}, { replace: true });
  };

  return (
    <div className="connections-page stack">
      <div className="row">
        <h1>Connections</h1>
        <span className="spacer" />
        {!formOpen && connections.list.length > 0 && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add connection
          </button>
        )}
      </div>
      {formOpen ? (
        <div className="panel">
          <h2>{editing ? `Edit ${editing.name}` : preset ? `Connect to ${preset.label}` : 'New connection'}</h2>
          <ConnectionForm
            key={editing?.id ?? preset?.id ?? 'new'}
            profile={editing}
            preset={preset}
            onDone={(savedId) => {
              if (savedId && !editing && connections.list.length === 0) void connections.setActive(savedId);
              close();
            }}
          />
        </div>
      ) : (
        connections.loaded && connections.list.length === 0 && <ConnectModelPanel />
      )}
      <ul className="connection-list">
        {connections.list.map((profile) => (
          <ConnectionCard
            key={profile.id}
            profile={profile}
            active={profile.id === connections.activeId}
            onUse={() => void connections.setActive(profile.id)}
            onEdit={() => setEditing(profile)}
            onDelete={() => setDeleting(profile)}
          />
        ))}
      </ul>
      <ConfirmDialog
        title="Delete connection"
        message={deleting ? `Delete the connection “${deleting.name}”?` : ''}
        confirmLabel="Delete"
        open={deleting !== null}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) void engine.enqueue({ kind: 'connection-delete', connectionId: deleting.id });
          setDeleting(null);
        }}
      />
    </div>
  );
}
