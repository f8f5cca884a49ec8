import { Link } from 'react-router';
import { CONNECTION_PRESETS } from '../../../shared/api/generation.js';
import './connect-model-panel.css';

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
        {CONNECTION_PRESETS.map((preset) => (
          <li key={preset.id}>
            <Link className="button" to={`/connections?preset=${preset.id}`}>
              {preset.label}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
