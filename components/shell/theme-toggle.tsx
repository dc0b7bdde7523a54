'use client';

import { useId, useState, useSyncExternalStore } from 'react';

const THEME_STORAGE_KEY = 'synkronus-theme';
type Theme = 'system' | 'light' | 'dark';

/** Runs before first paint (in the root layout), so a stored choice never flashes the other theme. */
export const THEME_BOOT_SCRIPT = `try{var t=localStorage.getItem('${THEME_STORAGE_KEY}');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}`;

function applyTheme(theme: Theme): void {
  if (theme === 'system') {
    delete document.documentElement.dataset.theme;
    localStorage.removeItem(THEME_STORAGE_KEY);
  } else {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(THEME_STORAGE_KEY, theme);
  }
}

/** The theme the boot script applied; it changes only through this toggle, so there is nothing to subscribe to. */
function storedTheme(): Theme {
  const stored = document.documentElement.dataset.theme;
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}
const subscribeToNothing = () => () => {};

/** Follows the system until the person picks light or dark. */
export function ThemeToggle() {
  const id = useId();
  const stored = useSyncExternalStore(subscribeToNothing, storedTheme, () => 'system' as const);
  const [picked, setTheme] = useState<Theme | null>(null);
  const theme = picked ?? stored;
  return (
    <div className="theme-toggle">
      <label htmlFor={id}>Theme</label>
      <select
        id={id}
        value={theme}
        onChange={(event) => {
          const next = event.target.value as Theme;
          setTheme(next);
          applyTheme(next);
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}
