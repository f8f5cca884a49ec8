import {
  optionOf,
  ReasoningEffort,
  SafetyThreshold,
  type ConnectionApi,
  type SamplerSettings,
} from '../../../shared/api/generation.js';
import { providerOf } from '../../../shared/api/providers.js';

interface ProviderOptionsProps {
  api: ConnectionApi;
  baseUrl: string;
  settings: SamplerSettings;
  onChange(settings: SamplerSettings): void;
}

const EFFORT_LABELS: Record<ReasoningEffort, string> = {
  auto: "Model's default",
  off: 'Off',
  minimal: 'Minimal',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
};

const SAFETY_LABELS: Record<SafetyThreshold, string> = {
  BLOCK_NONE: 'Block none (as SillyTavern)',
  OFF: 'Off',
  BLOCK_ONLY_HIGH: 'Block only high',
  BLOCK_MEDIUM_AND_ABOVE: 'Block medium and above',
  BLOCK_LOW_AND_ABOVE: 'Block low and above',
};

/**
 * The request options beyond the samplers, shown for the APIs they apply to: reasoning (effort, budget, the tags of
 * a <think> block), Claude's prefill and prompt caching, Gemini's safety, Azure's API version, OpenRouter's
 * provider routing, and the prices the usage view estimates costs from.
 */
export function ProviderOptions({ api, baseUrl, settings, onChange }: ProviderOptionsProps) {
  const provider = providerOf(api, baseUrl);
  const set = <K extends keyof SamplerSettings>(key: K, value: SamplerSettings[K]) => onChange({ ...settings, [key]: value });
  const native = api === 'anthropic' || api === 'google';
  const asksEffort = native || (api !== 'local' && provider.reasoning !== 'none');
  const number = (key: 'thinking_budget' | 'cache_depth' | 'price_input' | 'price_output' | 'price_cache_read' | 'price_cache_write') => ({
    type: 'number',
    value: optionOf(settings, key),
    onChange: (e: { target: { value: string } }) => set(key, Number(e.target.value)),
  });
  return (
    <>
      <fieldset className="editor-group">
        <legend>Reasoning</legend>
        <div className="editor-columns">
          {asksEffort && (
            <label className="field">
              <span>Reasoning effort</span>
              <select value={optionOf(settings, 'reasoning_effort')} onChange={(e) => set('reasoning_effort', e.target.value as ReasoningEffort)}>
                {ReasoningEffort.options.map((effort) => (
                  <option key={effort} value={effort}>
                    {EFFORT_LABELS[effort]}
                  </option>
                ))}
              </select>
            </label>
          )}
          {(native || provider.reasoning === 'openrouter') && (
            <label className="field">
              <span>
                Thinking budget <span className="field-hint">tokens; 0 = from the effort</span>
              </span>
              <input min={0} step={256} {...number('thinking_budget')} />
            </label>
          )}
        </div>
        {!native && (
          <div className="editor-columns">
            <label className="field field-check">
              <input type="checkbox" checked={optionOf(settings, 'parse_reasoning')} onChange={(e) => set('parse_reasoning', e.target.checked)} />
              <span>Show a reply's opening block as reasoning</span>
            </label>
            <label className="field">
              <span>Starts with</span>
              <input value={optionOf(settings, 'reasoning_prefix')} maxLength={64} onChange={(e) => set('reasoning_prefix', e.target.value)} />
            </label>
            <label className="field">
              <span>Ends with</span>
              <input value={optionOf(settings, 'reasoning_suffix')} maxLength={64} onChange={(e) => set('reasoning_suffix', e.target.value)} />
            </label>
          </div>
        )}
      </fieldset>
      {api === 'anthropic' && (
        <fieldset className="editor-group">
          <legend>Claude</legend>
          <label className="field">
            <span>
              Start replies with <span className="field-hint">prefill; not sent with thinking</span>
            </span>
            <textarea rows={2} value={optionOf(settings, 'assistant_prefill')} onChange={(e) => set('assistant_prefill', e.target.value)} />
          </label>
          <div className="editor-columns">
            <label className="field field-check">
              <input type="checkbox" checked={optionOf(settings, 'show_prefill')} onChange={(e) => set('show_prefill', e.target.checked)} />
              <span>Show the prefill in the reply</span>
            </label>
            <label className="field field-check">
              <input
                type="checkbox"
                checked={optionOf(settings, 'cache_system_prompt')}
                onChange={(e) => set('cache_system_prompt', e.target.checked)}
              />
              <span>Cache the system prompt</span>
            </label>
            <label className="field">
              <span>
                Cache the history at depth <span className="field-hint">-1 = off</span>
              </span>
              <input min={-1} step={1} {...number('cache_depth')} />
            </label>
          </div>
        </fieldset>
      )}
      {api === 'google' && (
        <fieldset className="editor-group">
          <legend>Gemini</legend>
          <label className="field">
            <span>Safety filters</span>
            <select value={optionOf(settings, 'safety_threshold')} onChange={(e) => set('safety_threshold', e.target.value as SafetyThreshold)}>
              {SafetyThreshold.options.map((threshold) => (
                <option key={threshold} value={threshold}>
                  {SAFETY_LABELS[threshold]}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
      )}
      {provider.id === 'azure-openai' && (
        <fieldset className="editor-group">
          <legend>Azure OpenAI</legend>
          <label className="field">
            <span>
              API version <span className="field-hint">e.g. 2024-10-21</span>
            </span>
            <input value={optionOf(settings, 'api_version')} maxLength={40} onChange={(e) => set('api_version', e.target.value.trim())} />
          </label>
        </fieldset>
      )}
      {provider.id === 'openrouter' && (
        <fieldset className="editor-group">
          <legend>OpenRouter</legend>
          <div className="editor-columns">
            <label className="field">
              <span>
                Providers, in order <span className="field-hint">comma-separated; empty = OpenRouter picks</span>
              </span>
              <input
                value={optionOf(settings, 'provider_order').join(', ')}
                onChange={(e) =>
                  set(
                    'provider_order',
                    e.target.value
                      .split(',')
                      .map((p) => p.trim())
                      .filter(Boolean),
                  )
                }
              />
            </label>
            <label className="field field-check">
              <input type="checkbox" checked={optionOf(settings, 'allow_fallbacks')} onChange={(e) => set('allow_fallbacks', e.target.checked)} />
              <span>Allow other providers</span>
            </label>
          </div>
        </fieldset>
      )}
      {api !== 'local' && (
        <fieldset className="editor-group">
          <legend>Prices per million tokens (for estimated costs)</legend>
          <div className="editor-columns">
            <label className="field">
              <span>Input</span>
              <input min={0} step={0.01} {...number('price_input')} />
            </label>
            <label className="field">
              <span>Output</span>
              <input min={0} step={0.01} {...number('price_output')} />
            </label>
            <label className="field">
              <span>
                Cache read <span className="field-hint">0 = input price</span>
              </span>
              <input min={0} step={0.01} {...number('price_cache_read')} />
            </label>
            <label className="field">
              <span>
                Cache write <span className="field-hint">0 = input price</span>
              </span>
              <input min={0} step={0.01} {...number('price_cache_write')} />
            </label>
          </div>
        </fieldset>
      )}
    </>
  );
}
