'use client';

import { useId, useState } from 'react';
import { generatePassword } from '@/components/lib/passwords';

/** A generated strong password the admin can see, regenerate or replace. */
export function GeneratedPasswordField(props: { label: string; value: string; onChange: (value: string) => void }) {
  const id = useId();
  const [visible, setVisible] = useState(true);
  return (
    <div className="field">
      <label htmlFor={id}>
        <span>{props.label}</span>
      </label>
      <div className="input-row">
        <input
          id={id}
          name="password"
          type={visible ? 'text' : 'password'}
          autoComplete="new-password"
          spellCheck={false}
          className="mono"
          required
          value={props.value}
          onChange={(event) => props.onChange(event.target.value)}
        />
        <button type="button" className="button" aria-pressed={visible} onClick={() => setVisible((v) => !v)}>
          {visible ? 'Hide' : 'Show'}
        </button>
        <button type="button" className="button" onClick={() => props.onChange(generatePassword())}>
          New
        </button>
      </div>
      <small>Generated in your browser. You will see it once more in the Formulus QR code.</small>
    </div>
  );
}
