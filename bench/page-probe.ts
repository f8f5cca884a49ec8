/**
 * What the web-client benchmark runs inside the page, installed before the app's own scripts. Plain JavaScript in
 * a string: tsx rewrites functions it compiles (adding helpers the page does not have), so code meant for the
 * page never passes through it. Times are the page's performance.now(): milliseconds since the navigation began.
 *
 * window.parleyBench:
 * - painted: resolves with the time the frame showing `watch` (a message's `[#seq]` marker) was painted, -1 if not
 *   within 60 s. Detected in requestAnimationFrame, i.e. in the frame about to paint; a task queued from there
 *   runs once that frame is painted.
 * - clickAt / enterAt: the last click anywhere, the last Enter in a textarea (capture phase, before the app sees it).
 * - scrollToTop({untilSeq, timeoutMs, maxSteps}): scrolls the message list to its top once per frame, as a reader
 *   flinging upward does, until message `untilSeq` or an older one is in the list (seq 0: until the first message is
 *   on screen); says how long it took and how many frames.
 * - opsTiming(after, timeoutMs): the first POST …/ops the page made after `after`: when fetch was called and when its
 *   response ended.
 * - savedAt(text, timeoutMs): when `text` is in the list, no message is marked unsaved and the status says "Saved".
 * - phases(): when the document, the app's script and each API call of the page load ended.
 */
export const PAGE_PROBE = String.raw`
(() => {
  const WATCH_MS = 60000;
  const markerRe = /\[#(\d+)\]/g;
  performance.setResourceTimingBufferSize(100000);
  const bench = { clickAt: null, enterAt: null };
  window.parleyBench = bench;
  addEventListener('click', () => { bench.clickAt = performance.now(); }, true);
  addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target instanceof HTMLTextAreaElement) bench.enterAt = performance.now();
  }, true);

  const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const list = () => document.querySelector('ol[aria-label="Messages"]');
  const scrollerOf = (element) => {
    for (let node = element && element.parentElement; node; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowY;
      if (overflow === 'auto' || overflow === 'scroll') return node;
    }
    return null;
  };

  // The marker's text lies wholly inside the list's scroll box and the window.
  const shown = (marker) => {
    const root = list();
    if (!root) return false;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(marker);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + marker.length);
      const rect = range.getBoundingClientRect();
      const box = (scrollerOf(root) || document.documentElement).getBoundingClientRect();
      return rect.height > 0 && rect.top >= Math.max(box.top, 0) - 1 && rect.bottom <= Math.min(box.bottom, innerHeight) + 1;
    }
    return false;
  };

  const minSeq = () => {
    const root = list();
    let min = Infinity;
    for (const match of (root ? root.textContent : '').matchAll(markerRe)) min = Math.min(min, Number(match[1]));
    return min;
  };

  bench.watch = (marker) => {
    bench.painted = new Promise((resolve) => {
      const look = () => {
        if (shown(marker)) setTimeout(() => resolve(performance.now()), 0);
        else if (performance.now() > WATCH_MS) resolve(-1);
        else requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    });
  };

  bench.scrollToTop = async ({ untilSeq, timeoutMs, maxSteps }) => {
    const start = performance.now();
    const done = () => (untilSeq === 0 ? shown('[#0]') : minSeq() <= untilSeq);
    let steps = 0;
    while (!done() && steps < maxSteps && performance.now() - start < timeoutMs) {
      const scroller = scrollerOf(list());
      if (scroller) scroller.scrollTop = 0;
      await afterPaint();
      steps += 1;
    }
    return { reached: done(), ms: performance.now() - start, steps, oldestSeq: minSeq() };
  };

  bench.opsTiming = async (after, timeoutMs) => {
    const start = performance.now();
    while (performance.now() - start < timeoutMs) {
      const entry = performance
        .getEntriesByType('resource')
        .find((e) => e.initiatorType === 'fetch' && /\/api\/chats\/[^/?]+\/ops$/.test(e.name) && e.startTime >= after);
      if (entry) return { fetchStart: entry.startTime, requestStart: entry.requestStart, responseEnd: entry.responseEnd };
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return null;
  };

  bench.savedAt = async (text, timeoutMs) => {
    const start = performance.now();
    while (performance.now() - start < timeoutMs) {
      const root = list();
      const status = [...document.querySelectorAll('[role="status"]')].map((e) => e.textContent.trim());
      if (root && root.textContent.includes(text) && !root.querySelector('.message-pending') && status.includes('Saved')) {
        return performance.now();
      }
      await afterPaint();
    }
    return -1;
  };

  bench.phases = () => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const script = resources.find((e) => e.initiatorType === 'script' && /\/assets\/.*\.js$/.test(e.name));
    return {
      documentEnd: nav ? nav.responseEnd : null,
      domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
      scriptEnd: script ? script.responseEnd : null,
      api: resources
        .filter((e) => e.name.includes('/api/'))
        .map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime, end: e.responseEnd })),
    };
  };
})();
`;
