import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/routers/_app';
import { formatBytes } from '@/components/lib/format';

type ChangeLog = inferRouterOutputs<AppRouter>['bundles']['compare'];
type FormModification = NonNullable<ChangeLog['modified_forms']>[number];

function FieldChanges({ form }: { form: FormModification }) {
  const parts = [
    form.schema_changed && 'schema',
    form.ui_changed && 'layout (ui.json)',
    form.core_changed && 'core fields',
  ].filter(Boolean);
  return (
    <li>
      <strong>{form.form}</strong>{' '}
      <span className="muted">— {parts.length ? `${parts.join(', ')} changed` : 'changed'}</span>
      {!!(form.added_fields?.length || form.removed_fields?.length) && (
        <ul className="change-list">
          {form.added_fields?.map((field) => (
            <li key={`+${field.field}`} className="change-added">
              + field <code>{field.field}</code> <span className="muted">({field.type})</span>
            </li>
          ))}
          {form.removed_fields?.map((field) => (
            <li key={`-${field.field}`} className="change-removed">
              − field <code>{field.field}</code> <span className="muted">({field.type})</span>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function FileList({
  title,
  kind,
  files,
}: {
  title: string;
  kind: 'added' | 'removed' | 'modified';
  files: ChangeLog['added'];
}) {
  if (files.length === 0) return null;
  return (
    <>
      <h4>
        {title} ({files.length})
      </h4>
      <ul className="change-list">
        {files.map((file) => (
          <li key={file.path} className={`change-${kind}`}>
            <code>{file.path}</code> <span className="muted">{formatBytes(file.size)}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

/** Forms and fields first (what a data manager cares about), then the files behind them. */
export function ChangesView({ log }: { log: ChangeLog }) {
  const newForms = log.new_forms ?? [];
  const removedForms = log.removed_forms ?? [];
  const modifiedForms = log.modified_forms ?? [];
  const formChanges = newForms.length + removedForms.length + modifiedForms.length;
  const fileChanges = log.added.length + log.removed.length + log.modified.length;
  if (formChanges + fileChanges === 0) {
    return (
      <p className="muted">
        No changes between {log.compare_version_a} and {log.compare_version_b}.
      </p>
    );
  }
  return (
    <div data-testid="changes">
      <h3>Forms</h3>
      {formChanges === 0 ? (
        <p className="muted">No form changes.</p>
      ) : (
        <ul className="change-list">
          {newForms.map(({ form }) => (
            <li key={`+${form}`} className="change-added">
              + <strong>{form}</strong> added
            </li>
          ))}
          {removedForms.map(({ form }) => (
            <li key={`-${form}`} className="change-removed">
              − <strong>{form}</strong> removed
            </li>
          ))}
          {modifiedForms.map((form) => (
            <FieldChanges key={form.form} form={form} />
          ))}
        </ul>
      )}
      <h3>Files</h3>
      {fileChanges === 0 && <p className="muted">No file changes.</p>}
      <FileList title="Added" kind="added" files={log.added} />
      <FileList title="Removed" kind="removed" files={log.removed} />
      <FileList title="Modified" kind="modified" files={log.modified} />
    </div>
  );
}
