import { useState } from 'react';
import { needsBaseUrl, type ConnectionProfile, type ConnectionTestResult } from '../../../shared/api/generation.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import { API_NAMES } from './api-names.js';
import { UsagePanel } from '../usage/usage-panel.js';

interface ConnectionCardProps {
  profile: ConnectionProfile;
  active: boolean;
  onUse(): void;
  onEdit(): void;
  onDelete(): void;
}

/** A profile with its test: does the backend answer, how fast, which models; pick one of them. */
export function ConnectionCard({ profile, active, onUse, onEdit, onDelete }: ConnectionCardProps) {
  const { api, engine } = useServices();
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [showUsage, setShowUsage] = useState(false);
  const talksToAddress = needsBaseUrl(profile.api);
  const pickModel = (model: string) =>
    void engine.enqueue({ kind: 'connection-patch', connectionId: profile.id, request: { model } });

  async function test() {
    setTesting(true);
    setProblem(null);
    try {
      // A profile still in the outbox is not on the server yet: wait for it, then test.
      await engine.whenSaved((change) => change.kind.startsWith('connection-'));
      const tested = await api.connections.test(profile.id);
      setResult(tested);
      // A profile with no model yet takes the first one the backend lists, so it can be used at once.
      if (tested.ok && !profile.model && tested.models[0]) pickModel(tested.models[0]);
    } catch (error) {
      setProblem(error instanceof RequestError ? error.message : 'The server could not be reached.');
    } finally {
      setTesting(false);
    }
  }


  return (
    <li className="panel connection">
      <div className="row">
        <h2>{profile.name}</h2>
        {active && <span className="tag">in use</span>}
        <span className="spacer" />
        {!active && (
          <button type="button" onClick={onUse}>
            Use this
          </button>
        )}
        <button type="button" disabled={testing} onClick={() => void test()}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      <p className="muted connection-facts">
        {API_NAMES[profile.api]}
        {talksToAddress && ` · ${profile.baseUrl}`}
        {profile.model && ` · ${profile.model}`}
        {talksToAddress && profile.apiKeyHint && ` · key ${profile.apiKeyHint}`}
      </p>
      {!talksToAddress && !profile.model && !result && (
        <p className="muted connection-nudge">Pick a model file: Test connection lists the server's models folder.</p>
      )}
      {result && (
        <div className={result.ok ? 'test-ok' : 'notice'} role="status">
          <p>
            {/* A model file is not connected to: its test says what it found (runtime, files). */}
            {result.ok && profile.api !== 'local' ? `Connected in ${Math.round(result.latencyMs)} ms.` : result.message}
            {result.warning && ` ${result.warning}`}
          </p>
          {result.models.length > 0 && (
            <label className="field">
              <span>{talksToAddress ? 'Model' : 'Model file'}</span>
              <select value={profile.model} onChange={(event) => pickModel(event.target.value)}>
                {!result.models.includes(profile.model) && <option value={profile.model}>{profile.model || '(none)'}</option>}
                {result.models.map((model) => (
                  <option key={model} value={model}>
                    {model}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      )}
      {problem && <p className="form-problem">{problem}</p>}
      {showUsage && <UsagePanel connectionId={profile.id} />}
      <div className="row">
        <button type="button" className="link-button" aria-expanded={showUsage} onClick={() => setShowUsage(!showUsage)}>
          {showUsage ? 'Hide usage' : 'Usage'}
        </button>
        <button type="button" className="link-button" onClick={onEdit}>
          Edit
        </button>
        <button type="button" className="link-button danger" onClick={onDelete}>
          Delete
        </button>
      </div>
    </li>
  );
}
