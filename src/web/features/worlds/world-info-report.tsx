import type { WorldInfoInspection } from '../../../shared/api/world-info-inspection.js';
import './world-info-report.css';

const WHY: Record<string, string> = {
  constant: 'constant',
  sticky: 'sticky',
  decorator: '@@activate',
  key: 'key',
  probability: 'probability roll failed',
  budget: 'over the budget',
  group_sticky: 'lost its group to a sticky entry',
  group_timed: 'on cooldown or delay in its group',
  group_score: 'lost its group on score',
  group_taken: 'its group already fired',
  group_priority: 'lost its group to a prioritised entry',
  group_roll: 'lost its group\u2019s draw',
};
const PLACE: Record<string, string> = {
  before: 'before the character',
  after: 'after the character',
  an_top: "top of the Author's Note",
  an_bottom: "bottom of the Author's Note",
  at_depth: 'in the chat',
  examples_top: 'before examples',
  examples_bottom: 'after examples',
  outlet: 'outlet',
};

/** The prompt inspector's world-info section: every entry that fired, where it went and why; those left out, and why. */
export function WorldInfoReport({ inspection }: { inspection: WorldInfoInspection }) {
  const { budget } = inspection;
  return (
    <details className="world-info-report">
      <summary>
        World info: {inspection.entries.filter((e) => e.included).length} entries, {budget.used} of {budget.tokens} tokens
        {budget.overflowed && ' (budget reached)'}
      </summary>
      <table>
        <thead>
          <tr>
            <th>Entry</th>
            <th>Book</th>
            <th>Why</th>
            <th>Where</th>
            <th>Tokens</th>
          </tr>
        </thead>
        <tbody>
          {inspection.entries.map((e) => (
            <tr key={`${e.book}.${e.uid}`} className={e.included ? '' : 'muted'}>
              <td>{e.name}</td>
              <td>
                {e.book} <span className="muted">({e.source})</span>
              </td>
              <td>
                {WHY[e.why] ?? e.why}
                {e.matchedKey !== undefined && ` “${e.matchedKey}”`}
                {e.step !== undefined && e.step > 1 && ` (step ${e.step})`}
              </td>
              <td>
                {PLACE[e.position] ?? e.position}
                {e.depth !== undefined && ` at depth ${e.depth} as ${e.role}`}
                {e.outlet !== undefined && ` “${e.outlet}”`}
              </td>
              <td>{e.tokens}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {inspection.problems.map((p) => (
        <p key={`${p.book}.${p.uid}.${p.key}`} className="notice">
          {p.book}, entry {p.uid}: the key {p.key} {p.problem === 'slow_regex' ? 'took too long' : 'is not a valid regex'} ({p.detail}).
        </p>
      ))}
    </details>
  );
}
