import type { RegexScript } from '../../../shared/api/regex-scripts.js';

/** Offers scripts as SillyTavern's regex JSON: one script as an object, several as an array. */
export function downloadScripts(scripts: readonly RegexScript[], fileName: string): void {
  const json = JSON.stringify(scripts.length === 1 ? scripts[0] : scripts, null, 4);
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/** A file name for a script's export, from its name (only letters, digits, - and _). */
export const scriptFileName = (script: RegexScript) => `regex-${(script.scriptName || 'script').replace(/[^\p{L}\p{N}_-]+/gu, '_').slice(0, 80)}.json`;
