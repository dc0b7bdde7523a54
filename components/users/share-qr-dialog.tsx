'use client';

import { useEffect, useId, useMemo, useState } from 'react';
import { Dialog } from '@/components/ui/dialog';
import { CopyButton } from '@/components/ui/copy-button';
import { formulusLink, frmlsPayload } from '@/components/lib/frmls';
import { qrWithLogo } from '@/components/users/qr-with-logo';

/** Big enough to print; shown scaled down. */
const QR_PIXELS = 1060;

/**
 * "Share with Formulus": the FRMLS v1 deep link as a QR code with the logo in the centre, drawn in the browser. The credentials are not
 * stored anywhere; closing the dialog forgets them.
 */
export function ShareQrDialog(props: { username: string; password: string; onClose: () => void }) {
  const serverUrlId = useId();
  const [qrImage, setQrImage] = useState<string>();
  const [serverUrl, setServerUrl] = useState(() => window.location.origin);
  const [passwordVisible, setPasswordVisible] = useState(false);
  const [drawError, setDrawError] = useState<string>();
  const link = useMemo(
    () =>
      formulusLink(frmlsPayload({ serverUrl: serverUrl.trim(), username: props.username, password: props.password })),
    [serverUrl, props.username, props.password],
  );

  useEffect(() => {
    let current = true;
    qrWithLogo(link, QR_PIXELS).then(
      (image) => {
        if (!current) return;
        setQrImage(image);
        setDrawError(undefined);
      },
      (err: Error) => {
        if (current) setDrawError(err.message);
      },
    );
    return () => {
      current = false;
    };
  }, [link]);

  function downloadPng() {
    if (!qrImage) return;
    const anchor = document.createElement('a');
    anchor.href = qrImage;
    anchor.download = `formulus-qr-${props.username}.png`;
    anchor.click();
  }

  return (
    <Dialog title="Share with Formulus" onClose={props.onClose}>
      <p className="muted small">
        Scan with Formulus to fill in the server and sign-in. The password is shown only now.
      </p>
      {qrImage && <img src={qrImage} className="qr-image" alt={`QR code to set up Formulus for ${props.username}`} />}
      {drawError && (
        <div className="banner banner-error" role="alert">
          The QR code could not be drawn: {drawError}
        </div>
      )}
      <div className="field">
        <label htmlFor={serverUrlId}>
          <span>Server URL</span>
        </label>
        <input id={serverUrlId} type="url" value={serverUrl} onChange={(event) => setServerUrl(event.target.value)} />
        <small>Must be reachable from the device (not localhost).</small>
      </div>
      <dl className="kv">
        <dt>Username</dt>
        <dd>
          <span className="mono">{props.username}</span> <CopyButton value={props.username} label="username" />
        </dd>
        <dt>Password</dt>
        <dd>
          <span className="mono" data-testid="shared-password">
            {passwordVisible ? props.password : '•'.repeat(12)}
          </span>{' '}
          <button
            type="button"
            className="button button-small"
            aria-pressed={passwordVisible}
            onClick={() => setPasswordVisible((v) => !v)}
          >
            {passwordVisible ? 'Hide' : 'Show'}
          </button>{' '}
          <CopyButton value={props.password} label="password" />
        </dd>
      </dl>
      <details>
        <summary>Deep link</summary>
        <p className="qr-link" data-testid="formulus-link">
          {link}
        </p>
      </details>
      <div className="form-actions">
        <button type="button" className="button" onClick={downloadPng} disabled={!qrImage || !!drawError}>
          Download PNG
        </button>
        <button type="button" className="button button-primary" onClick={props.onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
