/** The instant a calendar day (YYYY-MM-DD from a date input) begins where the user is, as ISO 8601. */
export function dayStart(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year!, month! - 1, date!).toISOString();
}

/** The instant the day after `day` begins: the exclusive end of a range that includes `day`. */
export function dayEnd(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year!, month! - 1, date! + 1).toISOString();
}
