import type { AppInfo, FieldInfo } from '@/server/services/bundles/app-info';
import type { ChangeLog } from '@/server/wire/bundles';

/**
 * The change log between two versions (api-contract §5.5): upstream's form-level comparison of their
 * APP_INFO.json, plus the file-level `added` / `removed` / `modified` lists the portal and older CLIs read
 * (clients.md conformance 26).
 */

type FormModification = NonNullable<ChangeLog['modified_forms']>[number];
/** Upstream's schema leaves both fields optional; the comparison always fills them. */
type FieldChange = Required<NonNullable<FormModification['added_fields']>[number]>;
type FileChange = ChangeLog['added'][number];

export interface ComparedFile {
  path: string;
  size: number;
  hash: string;
}

/** Generated per version, so it always differs; it is not part of what an admin changed. */
const GENERATED_FILES = new Set(['APP_INFO.json']);

export interface ComparedVersion {
  name: string;
  info: AppInfo;
  files: ComparedFile[];
}

export function emptyChangeLog(version: string): ChangeLog {
  return {
    compare_version_a: version,
    compare_version_b: version,
    form_changes: false,
    ui_changes: false,
    added: [],
    removed: [],
    modified: [],
    current_version: version,
    target_version: version,
  };
}

export function compareVersions(a: ComparedVersion, b: ComparedVersion): ChangeLog {
  const log: ChangeLog = { ...emptyChangeLog(a.name), compare_version_b: b.name, target_version: b.name };
  const formsA = a.info.forms ?? {};
  const formsB = b.info.forms ?? {};
  const names = [...new Set([...Object.keys(formsA), ...Object.keys(formsB)])].sort();
  const newForms = names.filter((name) => !formsA[name]).map((form) => ({ form }));
  const removedForms = names.filter((name) => !formsB[name]).map((form) => ({ form }));
  const modifiedForms: FormModification[] = [];
  for (const form of names.filter((name) => formsA[name] && formsB[name])) {
    const before = formsA[form];
    const after = formsB[form];
    const modification: FormModification = {
      form,
      schema_changed: before.form_hash !== after.form_hash,
      ui_changed: before.ui_hash !== after.ui_hash,
      core_changed: before.core_hash !== after.core_hash,
    };
    if (modification.schema_changed) {
      const { added, removed } = compareFields(before.fields, after.fields);
      if (added.length > 0) modification.added_fields = added;
      if (removed.length > 0) modification.removed_fields = removed;
    }
    if (modification.schema_changed || modification.ui_changed || modification.core_changed)
      modifiedForms.push(modification);
  }
  log.form_changes =
    newForms.length > 0 || removedForms.length > 0 || modifiedForms.some((m) => m.schema_changed || m.core_changed);
  log.ui_changes = modifiedForms.some((m) => m.ui_changed);
  if (newForms.length > 0) log.new_forms = newForms;
  if (removedForms.length > 0) log.removed_forms = removedForms;
  if (modifiedForms.length > 0) log.modified_forms = modifiedForms;
  return { ...log, ...compareFiles(a.files, b.files) };
}

/** A field whose type changed is reported as removed (old type) and added (new type), as upstream does. */
function compareFields(before: FieldInfo[], after: FieldInfo[]): { added: FieldChange[]; removed: FieldChange[] } {
  const typesBefore = new Map(before.map((field) => [field.name, field.type]));
  const typesAfter = new Map(after.map((field) => [field.name, field.type]));
  const added: FieldChange[] = [];
  const removed: FieldChange[] = [];
  for (const [field, type] of typesAfter) {
    const oldType = typesBefore.get(field);
    if (oldType === undefined) added.push({ field, type });
    else if (oldType !== type) {
      removed.push({ field, type: oldType });
      added.push({ field, type });
    }
  }
  for (const [field, type] of typesBefore) if (!typesAfter.has(field)) removed.push({ field, type });
  const byName = (x: FieldChange, y: FieldChange) => (x.field < y.field ? -1 : x.field > y.field ? 1 : 0);
  return { added: added.sort(byName), removed: removed.sort(byName) };
}

function compareFiles(before: ComparedFile[], after: ComparedFile[]) {
  const relevant = (files: ComparedFile[]) =>
    new Map(files.filter((f) => !GENERATED_FILES.has(f.path)).map((f) => [f.path, f]));
  const filesBefore = relevant(before);
  const filesAfter = relevant(after);
  const pick = ({ path, size, hash }: ComparedFile): FileChange => ({ path, size, hash });
  return {
    added: [...filesAfter.values()].filter((file) => !filesBefore.has(file.path)).map(pick),
    removed: [...filesBefore.values()].filter((file) => !filesAfter.has(file.path)).map(pick),
    modified: [...filesAfter.values()]
      .filter((file) => filesBefore.has(file.path) && filesBefore.get(file.path)!.hash !== file.hash)
      .map((file) => ({ ...pick(file), previous_hash: filesBefore.get(file.path)!.hash })),
  };
}
