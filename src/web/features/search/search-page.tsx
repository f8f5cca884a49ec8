import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { SearchHit, SearchQuery } from '../../../shared/api/search.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import { dayEnd, dayStart } from './day-range.js';
import { SnippetText } from './snippet-text.js';
import './search.css';

const PAGE = 20;
const ROLES = [
  ['', 'Anyone'],
  ['user', 'You'],
  ['assistant', 'Characters'],
  ['system', 'System'],
] as const;

interface Results {
  hits: SearchHit[];
  hasMore: boolean;
}

/**
 * /search: every chat at once. The search and its filters live in the address, so going back from an opened
 * message finds the same results; a hit opens its chat at that message (`/chats/:id?at=<seq>`).
 */
export function SearchPage() {
  const { api } = useServices();
  const [params, setParams] = useSearchParams();
  const characters = useResource((signal) => api.characters.list(signal), ['characters'], 'characters');
  const [text, setText] = useState(params.get('q') ?? '');
  const [results, setResults] = useState<Results | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const query = (offset: number): SearchQuery | null => {
    const q = params.get('q');
    if (!q) return null;
    const from = params.get('from');
    const to = params.get('to');
    return {
      q,
      ...(params.get('character') && { characterId: params.get('character')! }),
      ...(params.get('role') && { role: params.get('role') as SearchQuery['role'] }),
      ...(from && { from: dayStart(from) }),
      ...(to && { to: dayEnd(to) }),
      offset,
      limit: PAGE,
    };
  };

  const run = async (offset: number, signal?: AbortSignal) => {
    const asked = query(offset);
    if (!asked) {
      setResults(null);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const page = await api.search.messages(asked, signal);
      setResults((prev) => ({ hits: offset > 0 && prev ? [...prev.hits, ...page.hits] : page.hits, hasMore: page.hasMore }));
    } catch (error) {
      if (signal?.aborted) return;
      setProblem(error instanceof RequestError ? error.message : 'The search could not run right now.');
    } finally {
      if (!signal?.aborted) setBusy(false);
    }
  };

  useEffect(() => {
    setText(params.get('q') ?? '');
    const controller = new AbortController();
    void run(0, controller.signal);
    return () => controller.abort();
    // The address is the search: it runs again whenever the address changes.
  }, [params]);

  const change = (key: string, value: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (value) next.set(key, value);
      else next.delete(key);
      return next;
    });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    change('q', text.trim());
  };

  return (
    <div className="search-page stack">
      <h1>Search every chat</h1>
      <form className="search-form stack" role="search" onSubmit={submit}>
        <div className="row">
          <input
            type="search"
            className="search-input"
            aria-label="Words to find"
            placeholder='Words to find; "quoted words" together'
            value={text}
            maxLength={500}
            onChange={(event) => setText(event.target.value)}
          />
          <button type="submit" className="primary">
            Search
          </button>
        </div>
        <div className="row search-filters">
          <label className="field">
            <span>Character</span>
            <select value={params.get('character') ?? ''} onChange={(event) => change('character', event.target.value)}>
              <option value="">Every character</option>
              {characters.data?.map((character) => (
                <option key={character.id} value={character.id}>
                  {character.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Written by</span>
            <select value={params.get('role') ?? ''} onChange={(event) => change('role', event.target.value)}>
              {ROLES.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>From</span>
            <input type="date" value={params.get('from') ?? ''} onChange={(event) => change('from', event.target.value)} />
          </label>
          <label className="field">
            <span>Until</span>
            <input type="date" value={params.get('to') ?? ''} onChange={(event) => change('to', event.target.value)} />
          </label>
        </div>
      </form>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      {results && results.hits.length === 0 && !busy && <p className="muted">No message holds these words.</p>}
      {results && results.hits.length > 0 && (
        <ol className="search-hits" aria-label="Search results">
          {results.hits.map((hit) => (
            <li key={`${hit.chatId}:${hit.messageId}`}>
              <Link className="search-hit" to={`/chats/${encodeURIComponent(hit.chatId)}?at=${hit.seq}`}>
                <span className="search-hit-head">
                  <strong>{hit.groupName ?? hit.characterName}</strong>
                  {hit.groupId && <span className="search-hit-kind muted">group</span>}
                  <span className="muted">{hit.chatTitle}</span>
                  <span className="spacer" />
                  <time className="muted" dateTime={hit.createdAt}>
                    {new Date(hit.createdAt).toLocaleString()}
                  </time>
                </span>
                <span className="search-hit-text">
                  <span className="search-hit-name">{hit.name}:</span> <SnippetText parts={hit.snippet} />
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
      {results?.hasMore && (
        <button type="button" disabled={busy} onClick={() => void run(results.hits.length)}>
          More results
        </button>
      )}
      {busy && <p className="muted">Searching…</p>}
    </div>
  );
}
