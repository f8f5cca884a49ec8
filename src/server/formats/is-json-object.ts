/** A plain JSON object (not an array, not null): what card and chat lines must be at their top. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
