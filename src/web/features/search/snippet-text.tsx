import type { SnippetPart } from '../../../shared/api/search.js';

/** A hit's snippet as text nodes, the matched words in <mark>: nothing in a message can become markup here. */
export function SnippetText({ parts }: { parts: SnippetPart[] }) {
  return (
    <>
      {parts.map((part, index) => (part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>))}
    </>
  );
}
