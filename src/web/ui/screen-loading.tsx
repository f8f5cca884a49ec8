/** Shown while a screen's code is fetched on its first visit (a moment on the LAN, longer on a slow phone link). */
export function ScreenLoading() {
  return <p className="centered muted">Loading…</p>;
}
