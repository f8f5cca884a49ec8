import { applyTheme, useTheme, type Theme } from '../ui/theme.js';

const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<Theme, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
const ICON: Record<Theme, string> = { system: '◐', light: '☀', dark: '☾' };

export function ThemeToggle() {
  const theme = useTheme();
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={LABEL[theme]}
      title={LABEL[theme]}
      onClick={() => {
        applyTheme(NEXT[theme]);
      }}
    >
      <span aria-hidden="true">{ICON[theme]}</span>
    </button>
  );
}
