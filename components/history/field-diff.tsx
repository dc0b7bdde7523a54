'use client';

import { useState } from 'react';
import '@/components/history/history.css';

/** The parts of a version a diff compares (the wire names the API uses). */
export interface DiffableVersion {
  version: number;
  form_type: string;
  form_version: string;
  deleted: boolean;
  data?: unknown;
  geolocation: Record<string, unknown> | null;
  tags: string[];
}

const MISSING = Symbol('missing');
type Cell = string | typeof MISSING;

/** Nested objects become dotted paths (`data.household.members`); arrays and scalars are compared as JSON. */
function flatten(value: unknown, prefix: string, into: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
    return;
  }
  into.set(prefix, JSON.stringify(value));
}

function fields(version: DiffableVersion): Map<string, string> {
  const into = new Map<string, string>();
  into.set('form_type', JSON.stringify(version.form_type));
  into.set('form_version', JSON.stringify(version.form_version));
  into.set('deleted', JSON.stringify(version.deleted));
  flatten(version.data, 'data', into);
  if (version.geolocation) flatten(version.geolocation, 'geolocation', into);
  if (version.tags.length > 0) into.set('tags', JSON.stringify(version.tags));
  return into;
}

export interface DiffRow {
  field: string;
  left: Cell;
  right: Cell;
  changed: boolean;
}

export function diffVersions(left: DiffableVersion, right: DiffableVersion): DiffRow[] {
  const a = fields(left);
  const b = fields(right);
  const names = [...new Set([...a.keys(), ...b.keys()])];
  return names.map((field) => {
    const l = a.get(field) ?? MISSING;
    const r = b.get(field) ?? MISSING;
    return { field, left: l, right: r, changed: l !== r };
  });
}

function CellText({ value }: { value: Cell }) {
  return value === MISSING ? <span className="diff-missing">absent</span> : <>{value}</>;
}

/** A field-by-field table of two versions; unchanged fields are hidden unless asked for. */
export function FieldDiff(props: {
  left: DiffableVersion;
  right: DiffableVersion;
  leftLabel: string;
  rightLabel: string;
}) {
  const [showAll, setShowAll] = useState(false);
  const rows = diffVersions(props.left, props.right);
  const changed = rows.filter((row) => row.changed).length;
  const shown = showAll ? rows : rows.filter((row) => row.changed);
  return (
    <div className="stack">
      <div className="toolbar">
        <span data-testid="diff-summary">
          {changed === 0 ? 'No differences' : changed === 1 ? '1 field differs' : `${changed} fields differ`}
        </span>
        <label className="checkbox">
          <input type="checkbox" checked={showAll} onChange={(event) => setShowAll(event.target.checked)} />
          Show unchanged fields
        </label>
      </div>
      {shown.length > 0 && (
        <div className="table-wrap">
          <table className="diff-table" aria-label={`Differences between ${props.leftLabel} and ${props.rightLabel}`}>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">{props.leftLabel}</th>
                <th scope="col">{props.rightLabel}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <tr key={row.field} data-changed={row.changed}>
                  <td>{row.field}</td>
                  <td>
                    <CellText value={row.left} />
                  </td>
                  <td>
                    <CellText value={row.right} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
