'use client';

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount } from '@/components/lib/format';
import { ChartTooltip, TICK } from '@/components/charts/chart-tooltip';

export interface FormTypeCount {
  formType: string;
  count: number;
}

/** At most this many bars: beyond it, the largest SHOWN_ALONE form types and one "Other" bar. */
const MAX_BARS = 8;
const SHOWN_ALONE = MAX_BARS - 1;
const BAR_ROW_PX = 34;

/** Largest first (ties by name); more than eight form types become the top seven plus "Other (k types)". */
export function formTypeBars(byFormType: FormTypeCount[]): FormTypeCount[] {
  const sorted = [...byFormType].sort((a, b) => b.count - a.count || a.formType.localeCompare(b.formType));
  if (sorted.length <= MAX_BARS) return sorted;
  const rest = sorted.slice(SHOWN_ALONE);
  const other = { formType: `Other (${rest.length} types)`, count: rest.reduce((sum, row) => sum + row.count, 0) };
  return [...sorted.slice(0, SHOWN_ALONE), other];
}

const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
const shortName = (name: string) => (name.length > 15 ? `${name.slice(0, 14)}…` : name);

/** Live observations per form type as horizontal bars, with a count axis, gridlines and tooltips with shares. */
export function FormTypeChart({ byFormType, total }: { byFormType: FormTypeCount[]; total: number }) {
  const bars = formTypeBars(byFormType);
  const share = (count: number) => percent.format(total === 0 ? 0 : count / total);
  const summary = `Observations per form type: ${bars.map((bar) => `${bar.formType} ${formatCount(bar.count)} (${share(bar.count)})`).join(', ')}.`;
  return (
    <figure className="chart" role="img" aria-label={summary}>
      <ResponsiveContainer width="100%" height={bars.length * BAR_ROW_PX + 40}>
        <BarChart data={bars} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid horizontal={false} strokeDasharray="3 3" />
          <XAxis
            tick={TICK}
            type="number"
            allowDecimals={false}
            tickFormatter={(value: number) => formatCount(value)}
          />
          <YAxis
            tick={TICK}
            type="category"
            dataKey="formType"
            width={150}
            interval={0}
            tickLine={false}
            tickFormatter={shortName}
          />
          <Tooltip
            cursor={{ className: 'chart-cursor' }}
            content={({ active, payload }) => {
              const bar = payload?.[0]?.payload as FormTypeCount | undefined;
              return (
                <ChartTooltip active={active && !!bar} title={bar?.formType}>
                  {formatCount(bar?.count ?? 0)} observations · {share(bar?.count ?? 0)}
                </ChartTooltip>
              );
            }}
          />
          <Bar dataKey="count" name="Observations" className="chart-bar" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
