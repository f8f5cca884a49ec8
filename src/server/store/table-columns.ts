/**
 * Every column of a table, named, for statements that must not read `*` (fixed-query.ts: a statement prepared on
 * PostgreSQL keeps its result columns, so a column another node's migration adds would break it). Written as a
 * record so that leaving a column out, or naming one the table lacks, is a type error.
 */
export function columnsOf<Table>(columns: { [Column in keyof Table]-?: true }): Array<keyof Table & string> {
  return Object.keys(columns) as Array<keyof Table & string>;
}
