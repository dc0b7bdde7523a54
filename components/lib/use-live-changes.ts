'use client';

import { useEffect, useRef } from 'react';

/** How often an open page asks whether anything changed (a 304 without a body when nothing did). */
const POLL_MS = 4000;
const CHANGES_URL = '/api/console-changes';

/** The last mark this tab saw, kept across remounts (page navigations), so a change in between is not missed. */
let seen: string | undefined;

/**
 * Calls `onChange` when the server's data changed since the page opened (a push, a deletion, a repository reset):
 * polls the change mark with its ETag while the tab is visible. A session that ended sends the page to sign in.
 */
export function useLiveChanges(onChange: () => void): void {
  const callback = useRef(onChange);
  useEffect(() => {
    callback.current = onChange;
  });

  useEffect(() => {
    let busy = false;
    async function poll() {
      if (busy || document.visibilityState !== 'visible') return;
      busy = true;
      try {
        // no-cache: the browser revalidates with If-None-Match and hands back its stored answer on a 304.
        const response = await fetch(CHANGES_URL, { cache: 'no-cache', credentials: 'same-origin' });
        if (response.status === 401) window.location.assign('/login?expired=1');
        const mark = response.ok ? response.headers.get('etag') : null;
        if (mark) {
          if (seen !== undefined && mark !== seen) callback.current();
          seen = mark;
        }
      } catch {
        // Offline for a moment: the next poll tries again.
      } finally {
        busy = false;
      }
    }
    void poll();
    const timer = window.setInterval(() => void poll(), POLL_MS);
    document.addEventListener('visibilitychange', poll);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', poll);
    };
  }, []);
}
