'use client';

import { useId, useRef, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { useRest } from '@/components/lib/rest';
import { describeError } from '@/components/lib/errors';
import { formatBytes } from '@/components/lib/format';
import { ErrorBanner } from '@/components/ui/error-banner';
import { ruleStatuses, type RuleStatus, type BundleRule } from '@/components/bundles/validation-rules';

interface PushResponse {
  message: string;
  manifest: { version: string };
}

const STATUS_MARK = { passed: '✓', failed: '✗', unchecked: '·' } as const;
const STATUS_TEXT = { passed: 'passed', failed: 'failed', unchecked: 'not checked' } as const;

function ValidationReport({
  rules,
  reason,
}: {
  rules: Array<{ rule: BundleRule; status: RuleStatus }>;
  reason: string;
}) {
  return (
    <div className="banner banner-error" role="alert">
      <div>
        <strong>The server refused this bundle.</strong>
        <ul className="rules" aria-label="Bundle checks">
          {rules.map(({ rule, status }) => (
            <li key={rule.id} data-status={status}>
              <span aria-hidden="true">{STATUS_MARK[status]}</span>
              <span>
                {rule.label}
                <span className="visually-hidden">: {STATUS_TEXT[status]}</span>
              </span>
              {status === 'failed' && <span className="rule-detail">{reason}</span>}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/**
 * Upload with a real progress bar (XMLHttpRequest upload events) to the streaming push route. The outcome goes to
 * the page (`onOutcome`), which shows one outcome banner at a time; a refusal stays here, beside the form.
 */
export function UploadBundle({ onOutcome }: { onOutcome: (message: string | undefined) => void }) {
  const trpc = useTRPC();
  const rest = useRest();
  const fileId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File>();
  const [autoActivate, setAutoActivate] = useState(true);
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<unknown>();
  const activate = useMutation(trpc.bundles.activate.mutationOptions());

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setError(undefined);
    onOutcome(undefined);
    activate.reset();
    setProgress(0);
    const form = new FormData();
    form.append('bundle', file, file.name);
    try {
      const { manifest } = await rest.upload<PushResponse>('/app-bundle/push', form, setProgress);
      setFile(undefined);
      if (fileInput.current) fileInput.current.value = '';
      onOutcome(
        autoActivate
          ? await activateUploaded(manifest.version)
          : `Uploaded version ${manifest.version}. It is not active yet.`,
      );
    } catch (err) {
      setError(err);
      onOutcome(undefined);
    } finally {
      setProgress(undefined);
    }
  }

  async function activateUploaded(version: string): Promise<string> {
    try {
      await activate.mutateAsync({ version });
      return `Uploaded and activated version ${version}.`;
    } catch (err) {
      setError(err);
      return `Uploaded version ${version}, but it could not be activated.`;
    }
  }

  const refusal = error ? describeError(error) : undefined;
  const rules = ruleStatuses(refusal?.problem);
  return (
    <section className="card" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload a new version</h2>
      <form onSubmit={submit}>
        {rules && refusal ? (
          <ValidationReport rules={rules} reason={refusal.message} />
        ) : error ? (
          <ErrorBanner error={error} />
        ) : null}
        <div className="field">
          <label htmlFor={fileId}>
            <span>Bundle zip</span>
          </label>
          <input
            ref={fileInput}
            id={fileId}
            type="file"
            accept=".zip,application/zip"
            required
            onChange={(event) => setFile(event.target.files?.[0])}
          />
          <small>
            {file ? `${file.name}, ${formatBytes(file.size)}` : 'app/, forms/ and renderers/ at the top of the zip.'}
          </small>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={autoActivate} onChange={(event) => setAutoActivate(event.target.checked)} />
          Activate after upload
        </label>
        {progress !== undefined && (
          <div className="field">
            <label>
              <span>
                {progress < 1 ? `Uploading… ${Math.round(progress * 100)}%` : 'Checking the bundle on the server…'}
              </span>
              <progress className="progress" max={1} value={progress} />
            </label>
          </div>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={!file || progress !== undefined}>
            Upload
          </button>
        </div>
      </form>
    </section>
  );
}
