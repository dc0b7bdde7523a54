'use client';

import { useEffect, useState } from 'react';
import { describeError } from '@/components/lib/errors';

/** Counts a Retry-After wait down to zero. */
function useCountdown(seconds: number | undefined): number | undefined {
  const [left, setLeft] = useState(seconds);
  const [countingFrom, setCountingFrom] = useState(seconds);
  if (countingFrom !== seconds) {
    // A new wait restarts the count (React's pattern for state that follows a prop).
    setCountingFrom(seconds);
    setLeft(seconds);
  }
  useEffect(() => {
    if (!seconds) return;
    const started = Date.now();
    const timer = setInterval(() => {
      const remaining = Math.max(0, seconds - Math.floor((Date.now() - started) / 1000));
      setLeft(remaining);
      if (remaining === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [seconds]);
  return left;
}

/** The server's own message, its field issues and, on 429, the wait. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const described = describeError(error);
  const wait = useCountdown(described.retryAfterSeconds);
  return (
    <div className="banner banner-error" role="alert">
      <div>
        <strong>{described.message}</strong>
        {described.issues && (
          <ul>
            {described.issues.map((issue) => (
              <li key={issue.path + issue.message}>
                {issue.path ? `${issue.path}: ` : ''}
                {issue.message}
              </li>
            ))}
          </ul>
        )}
        {wait !== undefined && <p>{wait > 0 ? `Try again in ${wait} seconds.` : 'You can try again now.'}</p>}
      </div>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry} disabled={!!wait}>
          Retry
        </button>
      )}
    </div>
  );
}

export function SuccessBanner({ children, onDismiss }: { children: React.ReactNode; onDismiss?: () => void }) {
  return (
    <div className="banner banner-success" role="status">
      <div>{children}</div>
      {onDismiss && (
        <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}
