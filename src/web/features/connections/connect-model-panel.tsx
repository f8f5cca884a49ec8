import { Link } from 'react-router';
import { needsBaseUrl } from '../../../shared/api/generation.js';
import { CONNECTION_PRESETS } from '../../../shared/api/providers.js';
import { PresetNote } from './preset-note.js';
import './connect-model-panel.css';

// Servers people run themselves first, then a model file run inside Parley, then the online (https) APIs.
const isOnline = (baseUrl: string) => baseUrl.startsWith('https:');
const SERVERS = CONNECTION_PRESETS.filter((p) => needsBaseUrl(p.api) && !isOnline(p.baseUrl));
const IN_PARLEY = CONNECTION_PRESETS.filter((p) => !needsBaseUrl(p.api));
const ONLINE = CONNECTION_PRESETS.filter((p) => needsBaseUrl(p.api) && isOnline(p.baseUrl));

/** First run: no model connected yet. Friendly, and one click from a working preset. */
export function ConnectModelPanel({ compact = false }: { compact?: boolean }) {
  if (compact) {
    return (
      <p className="connect-hint muted">
        No model is connected, so nobody answers yet. <Link to="/connections">Connect a model</Link>
      </p>
    );
  }
  return (
    <section className="panel connect-panel" aria-labelledby="connect-title">
      <h2 id="connect-title">Connect a model</h2>
      <p className="muted">
        Parley talks to a model you run yourself or to an API. Pick what you use; you can change every detail after.
      </p>
      <ul className="preset-list">
        {[...SERVERS, ...IN_PARLEY, ...ONLINE].map((preset) => (
          <li key={preset.id}>
            <Link className="button" to={`/connections?preset=${preset.id}`}>
              {preset.label}
            </Link>
          </li>
        ))}
      </ul>
      {IN_PARLEY.map(
        (preset) =>
          preset.note && (
            <p key={preset.id} className="muted preset-note">
              {preset.label}: <PresetNote note={preset.note} />
            </p>
          ),
      )}
    </section>
  );
}
