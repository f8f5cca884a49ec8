/*
 * Calibrated against chat.css in Chromium (16 px text, line-height 1.5): a one-line message is 122 px tall at desktop
 * widths and 116 px on a phone; the text column is the list (at most 52rem) less 113 px of avatar and padding, 77 px
 * at 640 px and narrower. 8 px per character allows for words that wrap early.
 */
const LINE_PX = 24;
const PARAGRAPH_GAP_PX = 6;
const CHAR_PX = 8;
const LIST_MAX_PX = 832;
const PHONE_MAX_PX = 640;
const DESKTOP = { chromePx: 98, sidePx: 113 };
const PHONE = { chromePx: 92, sidePx: 77 };

/**
 * The height a message's row will likely have, from its text and the window's width, before it is rendered. The
 * list places rows by these guesses until it measures them; the closer the guess, the fewer rows the first paint
 * mounts and corrects (a fixed 120 px guess for rows that average 220 made it render four times the rows in view).
 */
export function estimateMessageHeight(content: string, windowWidth: number): number {
  const layout = windowWidth <= PHONE_MAX_PX ? PHONE : DESKTOP;
  const textPx = Math.min(windowWidth, LIST_MAX_PX) - layout.sidePx;
  const charsPerLine = Math.max(8, Math.floor(textPx / CHAR_PX));
  let lines = 0;
  let paragraphs = 0;
  let afterBlank = true;
  for (const line of content.split('\n')) {
    if (line.trim() === '') {
      afterBlank = true;
      continue;
    }
    if (afterBlank) paragraphs += 1;
    afterBlank = false;
    lines += Math.ceil(line.length / charsPerLine);
  }
  return layout.chromePx + LINE_PX * Math.max(1, lines) + PARAGRAPH_GAP_PX * Math.max(0, paragraphs - 1);
}
