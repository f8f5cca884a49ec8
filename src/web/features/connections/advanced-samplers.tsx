import { nanoid } from 'nanoid';
import { useState } from 'react';
import { EXTRA_SAMPLER_NEUTRAL, samplerOf, type ConnectionApi, type ExtraSamplerName, type SamplerSettings } from '../../../shared/api/generation.js';
import { providerOf } from '../../../shared/api/providers.js';
import { PresetSamplers } from '../../../shared/api/text-formatting.js';
import type { FormattingState } from '../formatting/use-formatting.js';

type NumberSampler = Exclude<ExtraSamplerName, 'dry_sequence_breakers' | 'banned_tokens' | 'logit_bias'>;

const NUMBERS: Array<{ key: NumberSampler; label: string; step: number; hint?: string }> = [
  { key: 'frequency_penalty', label: 'Frequency penalty', step: 0.05, hint: '0 = off' },
  { key: 'presence_penalty', label: 'Presence penalty', step: 0.05, hint: '0 = off' },
  { key: 'seed', label: 'Seed', step: 1, hint: '-1 = random' },
  { key: 'repetition_penalty_range', label: 'Repetition penalty range', step: 1, hint: '0 = off' },
  { key: 'typical_p', label: 'Typical P', step: 0.01, hint: '1 = off' },
  { key: 'top_a', label: 'Top A', step: 0.01, hint: '0 = off' },
  { key: 'tfs', label: 'Tail-free sampling', step: 0.01, hint: '1 = off' },
  { key: 'dry_multiplier', label: 'DRY multiplier', step: 0.05, hint: '0 = off' },
  { key: 'dry_base', label: 'DRY base', step: 0.05 },
  { key: 'dry_allowed_length', label: 'DRY allowed length', step: 1 },
  { key: 'xtc_probability', label: 'XTC probability', step: 0.05, hint: '0 = off' },
  { key: 'xtc_threshold', label: 'XTC threshold', step: 0.01 },
  { key: 'mirostat_mode', label: 'Mirostat mode', step: 1, hint: '0 = off, 1, 2' },
  { key: 'mirostat_tau', label: 'Mirostat tau', step: 0.1 },
  { key: 'mirostat_eta', label: 'Mirostat eta', step: 0.01 },
];

/** What a sampler preset holds, taken from the form's values. */
function presetSamplers(settings: SamplerSettings): PresetSamplers {
  const { temperature, top_p, top_k, min_p, repetition_penalty, max_tokens } = settings;
  const extras = Object.fromEntries(Object.keys(EXTRA_SAMPLER_NEUTRAL).filter((k) => k !== 'logit_bias').map((k) => [k, samplerOf(settings, k as ExtraSamplerName)]));
  return PresetSamplers.parse({ temperature, top_p, top_k, min_p, repetition_penalty, max_tokens, ...extras });
}

interface Props {
  api: ConnectionApi;
  baseUrl: string;
  settings: SamplerSettings;
  onChange(next: SamplerSettings): void;
  formatting: FormattingState;
}

/**
 * The samplers beyond the usual five, folded away, each offered only where the connection's API takes it (the
 * text-generation ones for a text completion at a server people run), and the sampler presets: apply one, save the
 * form's values as one, import and export SillyTavern's files.
 */
export function AdvancedSamplers({ api, baseUrl, settings, onChange, formatting }: Props) {
  const [presetId, setPresetId] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const provider = api === 'local' ? null : providerOf(api === 'text-completions' ? 'chat-completions' : api, baseUrl);
  const textgen = api === 'text-completions' && provider?.id === 'generic';
  const offered = (key: ExtraSamplerName) => textgen || (provider?.extras ?? []).includes(key);
  const set = (change: Partial<SamplerSettings>) => onChange({ ...settings, ...change });

  function apply() {
    const preset = formatting.presets.find((p) => p.id === presetId)?.preset;
    if (preset) onChange({ ...settings, ...preset.samplers });
  }

  async function saveAs() {
    const name = window.prompt('Name of the new sampler preset');
    if (!name?.trim()) return;
    const id = nanoid();
    await formatting.save('sampler', id, { name: name.trim(), samplers: presetSamplers(settings) });
    setPresetId(id);
  }

  return (
    <fieldset className="editor-group">
      <legend>Sampler preset</legend>
      <div className="row">
        <select aria-label="Sampler preset" value={presetId} onChange={(e) => setPresetId(e.target.value)}>
          <option value="">Choose a preset…</option>
          {formatting.presets.map((p) => (
            <option key={p.id} value={p.id}>
              {p.preset.name}
            </option>
          ))}
        </select>
        <button type="button" disabled={!presetId} onClick={apply}>
          Apply
        </button>
        <button type="button" onClick={() => void saveAs()}>
          Save as preset…
        </button>
        <label className="button">
          Import
          <input
            type="file"
            accept=".json,application/json"
            hidden
            onChange={async (e) => e.target.files?.[0] && setProblem(await formatting.importFile('sampler', e.target.files[0]))}
          />
        </label>
        {presetId && (
          <a className="button" href={formatting.exportUrl('sampler', presetId)} download>
            Export
          </a>
        )}
      </div>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <details>
        <summary>Advanced samplers</summary>
        <div className="editor-columns">
          {NUMBERS.filter(({ key }) => offered(key)).map(({ key, label, step, hint }) => (
            <label key={key} className="field">
              <span>
                {label} {hint && <span className="field-hint">{hint}</span>}
              </span>
              <input type="number" step={step} value={samplerOf(settings, key)} onChange={(e) => set({ [key]: Number(e.target.value) })} />
            </label>
          ))}
        </div>
        {textgen && (
          <>
            <LinesField
              label="DRY sequence breakers"
              hint={"one per line; \\n for a newline"}
              value={samplerOf(settings, 'dry_sequence_breakers').map((s) => s.replace(/\n/g, '\\n')).join('\n')}
              onCommit={(lines) => set({ dry_sequence_breakers: lines.map((line) => line.replace(/\\n/g, '\n')) })}
            />
            <LinesField
              label="Banned tokens"
              hint="one per line: a token id, or a word or phrase"
              value={samplerOf(settings, 'banned_tokens').join('\n')}
              onCommit={(lines) => set({ banned_tokens: lines.filter((l) => l.trim()) })}
            />
          </>
        )}
        {offered('logit_bias') && (
          <LinesField
            label="Logit bias"
            hint="one per line: token id = bias (-100 to 100)"
            value={Object.entries(samplerOf(settings, 'logit_bias')).map(([id, bias]) => `${id} = ${bias}`).join('\n')}
            onCommit={(lines) =>
              set({
                logit_bias: Object.fromEntries(
                  lines
                    .map((line) => /^\s*(\d{1,9})\s*=\s*(-?\d+(?:\.\d+)?)\s*$/.exec(line))
                    .filter((m): m is RegExpExecArray => m !== null)
                    .map((m) => [m[1]!, Math.max(-100, Math.min(100, Number(m[2])))]),
                ),
              })
            }
          />
        )}
      </details>
    </fieldset>
  );
}

/** A list typed one item a line, read when the field is left (so a half-typed line is not thrown away). */
function LinesField({ label, hint, value, onCommit }: { label: string; hint: string; value: string; onCommit(lines: string[]): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <label className="field">
      <span>
        {label} <span className="field-hint">{hint}</span>
      </span>
      <textarea
        rows={2}
        spellCheck={false}
        value={draft ?? value}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => {
          if (draft !== null) onCommit(draft.split('\n').filter((line) => line !== ''));
          setDraft(null);
        }}
      />
    </label>
  );
}
