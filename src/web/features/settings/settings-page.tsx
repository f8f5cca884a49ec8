import { useState, type FormEvent } from 'react';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import { applyTheme, useTheme } from '../../ui/theme.js';
import { useSession } from '../../ui/use-session.js';
import { PromptSettingsPanel } from '../prompt/prompt-settings-panel.js';
import { FormattingPanel } from '../formatting/formatting-panel.js';
import { SEND_ON_ENTER, useSettings } from './use-settings.js';
import './settings.css';

function ThemeChoice() {
  const theme = useTheme();
  return (
    <fieldset className="editor-group">
      <legend>Theme</legend>
      {(['system', 'light', 'dark'] as const).map((option) => (
        <label key={option} className="row checkbox">
          <input type="radio" name="theme" checked={theme === option} onChange={() => applyTheme(option)} />
          {option === 'system' ? 'Follow the system' : option === 'light' ? 'Light' : 'Dark'}
        </label>
      ))}
    </fieldset>
  );
}

function PasswordChange() {
  const { api } = useServices();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      await api.account.changePassword({ current, next });
      setCurrent('');
      setNext('');
      setNote({ ok: true, text: 'Password changed. Your other sessions were signed out.' });
    } catch (error) {
      setNote({ ok: false, text: error instanceof RequestError ? error.message : 'The server could not be reached.' });
    }
  }

  return (
    <form onSubmit={submit}>
      <fieldset className="editor-group">
      <legend>Password</legend>
      <label className="field">
        <span>Current password</span>
        <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      </label>
      <label className="field">
        <span>
          New password <span className="field-hint">at least 8 characters</span>
        </span>
        <input
          type="password"
          autoComplete="new-password"
          minLength={8}
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </label>
      {note && <p className={note.ok ? 'muted' : 'form-problem'}>{note.text}</p>}
      <div>
        <button type="submit" disabled={!current || next.length < 8}>
          Change password
        </button>
      </div>
      </fieldset>
    </form>
  );
}

export function SettingsPage() {
  const session = useSession();
  const settings = useSettings();
  const sendOnEnter = settings.values[SEND_ON_ENTER] !== false;

  return (
    <div className="settings-page stack">
      <h1>Settings</h1>
      <ThemeChoice />
      <fieldset className="editor-group">
        <legend>Writing</legend>
        <label className="row checkbox">
          <input
            type="checkbox"
            checked={sendOnEnter}
            disabled={!settings.loaded}
            onChange={(event) => void settings.patch({ [SEND_ON_ENTER]: event.target.checked })}
          />
          Enter sends the message (Shift+Enter for a new line)
        </label>
      </fieldset>
      <PromptSettingsPanel settings={settings} />
      <FormattingPanel />
      <fieldset className="editor-group">
        <legend>Your data</legend>
        <p className="muted">
          Everything — cards, chats, personas, settings — as SillyTavern files in one zip, to keep or to move.
        </p>
        <div>
          <a className="button" href="/api/export" download>
            Export everything
          </a>
        </div>
      </fieldset>
      {session.accounts && session.user && (
        <>
          <p className="muted">
            Signed in as <strong>{session.user.name}</strong> ({session.user.handle}).
          </p>
          <PasswordChange />
        </>
      )}
    </div>
  );
}
