import { formatCount } from '@/components/lib/format';

export interface FormTypeCount {
  formType: string;
  count: number;
}

/** At most this many bars: beyond it, the largest SHOWN_ALONE form types and one "Other" bar. */
const MAX_BARS = 8;
const SHOWN_ALONE = MAX_BARS - 1;

/** Largest first (ties by name); more than eight form types become the top seven plus "Other (k types)". */
export function formTypeBars(byFormType: FormTypeCount[]): FormTypeCount[] {
  const sorted = [...byFormType].sort((a, b) => b.count - a.count || a.formType.localeCompare(b.formType));
  if (sorted.length <= MAX_BARS) return sorted;
  const rest = sorted.slice(SHOWN_ALONE);
  const other = { formType: `Other (${rest.length} types)`, count: rest.reduce((sum, row) => sum + row.count, 0) };
  return [...sorted.slice(0, SHOWN_ALONE), other];
}

const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });

/** Live observations per form type as horizontal bars, with counts and shares. */
export function FormTypeChart({ byFormType, total }: { byFormType: FormTypeCount[]; total: number }) {
  const bars = formTypeBars(byFormType);
  const largest = bars[0]?.count ?? 0;
  return (
    <ul aria-label="Observations per form type" style={{ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: '0.6rem' }}>
      {bars.map((bar) => (
        <li key={bar.formType}>
          <div style={{ display: 'flex', justifyContent: 'space-between', gap: '1rem' }}>
            <span style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={bar.formType}>
              {bar.formType}
            </span>
            <span className="muted">
              {formatCount(bar.count)} · {percent.format(total === 0 ? 0 : bar.count / total)}
            </span>
          </div>
          <div aria-hidden="true" style={{ height: 8, borderRadius: 4, background: 'var(--surface-2)' }}>
            <div
              style={{
                width: `${largest === 0 ? 0 : (bar.count / largest) * 100}%`,
                height: '100%',
                borderRadius: 4,
                background: 'var(--primary)',
              }}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}
