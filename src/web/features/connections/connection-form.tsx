import { nanoid } from 'nanoid';
import { useState, type FormEvent } from 'react';
import {
  BaseUrl,
  DEFAULT_SAMPLER_SETTINGS,
  needsBaseUrl,
  ConnectionApi,
  optionOf,
  type ConnectionProfile,
  type ConnectionTestResult,
  type SamplerSettings,
} from '../../../shared/api/generation.js';
import { RequestError } from '../../api/request-error.js';
import { providerOf, type ConnectionPreset } from '../../../shared/api/providers.js';
import { useServices } from '../../ui/services.js';
import { PresetNote } from './preset-note.js';
import { ProviderOptions } from './provider-options.js';
import { API_NAMES } from './api-names.js';
import { AdvancedSamplers } from './advanced-samplers.js';
import { useFormatting } from '../formatting/use-formatting.js';

interface ConnectionFormProps {
  /** Editing this profile, or making a new one from a preset (or from scratch). */
  profile: ConnectionProfile | null;
  preset: ConnectionPreset | null;
  onDone(savedId: string | null): void;
}

type NumberKey = 'temperature' | 'top_p' | 'top_k' | 'min_p' | 'repetition_penalty' | 'max_tokens' | 'context_size';

const SAMPLERS: Array<{ key: NumberKey; label: string; step: number; hint?: string }> = [
  { key: 'temperature', label: 'Temperature', step: 0.05 },
  { key: 'top_p', label: 'Top P', step: 0.01 },
  { key: 'top_k', label: 'Top K', step: 1, hint: '0 = off' },
  { key: 'min_p', label: 'Min P', step: 0.01, hint: '0 = off' },
  { key: 'repetition_penalty', label: 'Repetition penalty', step: 0.01, hint: '1 = off' },
  { key: 'max_tokens', label: 'Response length (tokens)', step: 1 },
  { key: 'context_size', label: 'Context size (tokens)', step: 1 },
];

export function ConnectionForm({ profile, preset, onDone }: ConnectionFormProps) {
  const { api: server, engine } = useServices();
  const [name, setName] = useState(profile?.name ?? preset?.label ?? '');
  const [api, setApi] = useState<ConnectionApi>(profile?.api ?? preset?.api ?? 'chat-completions');
  const [baseUrl, setBaseUrl] = useState(profile?.baseUrl ?? preset?.baseUrl ?? 'http://127.0.0.1:8080/v1');
  const [apiKey, setApiKey] = useState('');
  const [model, setModel] = useState(profile?.model ?? preset?.model ?? '');
  // '' is "the default chosen in Settings" (the server resolves it when generating).
  const [template, setTemplate] = useState<string>(profile?.instructTemplate ?? '');
  const formatting = useFormatting();
  const [settings, setSettings] = useState<SamplerSettings>(profile?.settings ?? DEFAULT_SAMPLER_SETTINGS);
  // A new connection starts from the default sampler preset, once the user's settings are here.
  const startPreset = !profile && formatting.loaded ? formatting.presets.find((p) => p.id === formatting.active.sampler) : undefined;
  const [started, setStarted] = useState(false);
  if (startPreset && !started) {
    setStarted(true);
    setSettings({ ...settings, ...startPreset.preset.samplers });
  }
  const [problem, setProblem] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<ConnectionTestResult | null>(null);
  const talksToAddress = needsBaseUrl(api);
  // Only the samplers the provider's API takes are offered (a model file takes them all).
  const takes = api === 'local' ? null : providerOf(api, baseUrl).samplers;
  const takesSampler = (key: NumberKey) => key === 'max_tokens' || key === 'context_size' || !takes || (takes as readonly string[]).includes(key);
  // A model file run in Parley gets a text prompt, as a text-completions backend does.
  const usesInstructTemplate = api === 'text-completions' || api === 'local';

  /** The address as the server will take it, or null with the problem shown. */
  function checkedAddress(): string | null {
    if (!talksToAddress) return '';
    const url = BaseUrl.safeParse(baseUrl);
    if (url.success) return url.data;
    setProblem(
      baseUrl.trim() ? `The address ${url.error.issues[0]?.message ?? 'is not valid'}.` : 'This API needs an address, e.g. http://127.0.0.1:8080/v1.',
    );
    return null;
  }

  /** Asks the backend with what the form holds, before anything is saved; a listed model fills an empty Model. */
  async function test() {
    setProblem(null);
    const address = checkedAddress();
    if (address === null) return;
    setTesting(true);
    try {
      const key = talksToAddress ? apiKey.trim() : '';
      const version = optionOf(settings, 'api_version');
      const result = await server.connections.testDraft({
        api,
        baseUrl: address,
        model: model.trim(),
        ...(key && { apiKey: key }),
        ...(version && { apiVersion: version }),
        ...(profile && { connectionId: profile.id }),
      });
      setTested(result);
      if (result.ok && !model.trim() && result.models[0]) setModel(result.models[0]);
    } catch (error) {
      setTested(null);
      setProblem(error instanceof RequestError ? error.message : 'The server could not be reached.');
    } finally {
      setTesting(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const checked = checkedAddress();
    if (checked === null) return;
    const url = talksToAddress ? { data: checked } : null;
    if (settings.max_tokens >= settings.context_size) return setProblem('The response length must be smaller than the context size.');
    const instructTemplate = usesInstructTemplate && template ? template : undefined;
    // A model file has no address, and it keeps any stored key untouched (it may be switched back).
    const address = url ? url.data : '';
    const key = talksToAddress ? apiKey.trim() : '';
    if (profile) {
      await engine.enqueue({
        kind: 'connection-patch',
        connectionId: profile.id,
        request: {
          name: name.trim(),
          api,
          baseUrl: address,
          model: model.trim(),
          instructTemplate: instructTemplate ?? null,
          settings,
          ...(key && { apiKey: key }),
        },
      });
      onDone(profile.id);
    } else {
      const id = nanoid();
      await engine.enqueue({
        kind: 'connection-create',
        request: {
          id,
          name: name.trim(),
          api,
          baseUrl: address,
          model: model.trim(),
          settings,
          ...(instructTemplate && { instructTemplate }),
          ...(key && { apiKey: key }),
        },
      });
      onDone(id);
    }
  }

  return (
    <form className="connection-form stack" onSubmit={submit}>
      {preset?.note && (
        <p className="notice">
          <PresetNote note={preset.note} />
        </p>
      )}
      <div className="editor-columns">
        <label className="field">
          <span>Name</span>
          <input value={name} required maxLength={200} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>API</span>
          <select value={api} onChange={(e) => setApi(e.target.value as ConnectionApi)}>
            {ConnectionApi.options.map((option) => (
              <option key={option} value={option}>
                {API_NAMES[option]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {talksToAddress ? (
        <label className="field">
          <span>
            Address <span className="field-hint">{api === 'google' ? 'up to /v1beta' : 'up to /v1'}</span>
          </span>
          <input
            value={baseUrl}
            required
            inputMode="url"
            placeholder="http://127.0.0.1:8080/v1"
            onChange={(e) => setBaseUrl(e.target.value)}
          />
        </label>
      ) : (
        <p className="muted connection-form-hint">
          {profile ? 'Pick' : 'After adding, pick'} the model file with Test connection on the card: it lists the .gguf files
          in the server's models folder.
        </p>
      )}
      <div className="editor-columns">
        {talksToAddress && (
          <label className="field">
            <span>
              API key{' '}
              <span className="field-hint">
                {profile?.apiKeyHint ? `stored: ${profile.apiKeyHint}; type to replace` : preset?.needsApiKey ? 'required' : 'if the server asks for one'}
              </span>
            </span>
            <input type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
          </label>
        )}
        <label className="field">
          <span>
            {talksToAddress ? 'Model' : 'Model file'} <span className="field-hint">pick one after testing</span>
          </span>
          <input value={model} list={tested?.models.length ? 'tested-models' : undefined} onChange={(e) => setModel(e.target.value)} />
          {tested && tested.models.length > 0 && (
            <datalist id="tested-models">
              {tested.models.map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
          )}
        </label>
        {usesInstructTemplate && (
          <label className="field">
            <span>Instruct template</span>
            <select value={template} onChange={(e) => setTemplate(e.target.value)}>
              <option value="">The default (Settings)</option>
              {formatting.instruct.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.template.name}
                </option>
              ))}
              {template && !formatting.instruct.some((t) => t.id === template) && <option value={template}>{template} (not found: the default is used)</option>}
            </select>
          </label>
        )}
        {usesInstructTemplate && (
          <label className="field">
            <span>Context template</span>
            <select
              value={optionOf(settings, 'context_template')}
              onChange={(e) => setSettings({ ...settings, context_template: e.target.value })}
            >
              <option value="">The default (Settings)</option>
              {formatting.context.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.template.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <fieldset className="editor-group">
        <legend>Sampler settings</legend>
        <div className="editor-columns">
          {SAMPLERS.filter(({ key }) => takesSampler(key)).map(({ key, label, step, hint }) => (
            <label key={key} className="field">
              <span>
                {label} {hint && <span className="field-hint">{hint}</span>}
              </span>
              <input
                type="number"
                step={step}
                value={settings[key]}
                onChange={(e) => setSettings({ ...settings, [key]: Number(e.target.value) })}
              />
            </label>
          ))}
        </div>
        <label className="field">
          <span>
            Stop strings <span className="field-hint">one per line</span>
          </span>
          <textarea
            rows={2}
            value={settings.stop.join('\n')}
            onChange={(e) => setSettings({ ...settings, stop: e.target.value.split('\n').filter(Boolean) })}
          />
        </label>
      </fieldset>
      <AdvancedSamplers api={api} baseUrl={baseUrl} settings={settings} onChange={setSettings} formatting={formatting} />
      <ProviderOptions api={api} baseUrl={baseUrl} settings={settings} onChange={setSettings} />
      {tested && (
        <p className={tested.ok ? 'test-ok' : 'notice'} role="status">
          {tested.ok && api !== 'local' ? `Connected in ${Math.round(tested.latencyMs)} ms.` : tested.message}
          {tested.ok && tested.models.length > 0 && ` ${tested.models.length} model${tested.models.length === 1 ? '' : 's'} listed.`}
          {tested.warning && ` ${tested.warning}`}
        </p>
      )}
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary">
          {profile ? 'Save connection' : 'Add connection'}
        </button>
        <button type="button" disabled={testing} onClick={() => void test()}>
          {testing ? 'Testing…' : 'Test'}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
