'use client';

import { useState } from 'react';

export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="button button-small"
      aria-label={`Copy ${label}`}
      onClick={async () => {
        // The clipboard API exists only on secure origins (HTTPS or localhost), not on a plain-HTTP LAN address.
        const copied = await navigator.clipboard?.writeText(value).then(
          () => true,
          () => false,
        );
        setState(copied ? 'copied' : 'failed');
        setTimeout(() => setState('idle'), 2000);
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : 'Copy'}
    </button>
  );
}
