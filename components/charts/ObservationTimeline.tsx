'use client';

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount } from '@/components/lib/format';
import { ChartTooltip, TICK } from '@/components/charts/chart-tooltip';

export interface TimelineBucket {
  bucketStart: string;
  label: string;
  count: number;
}

export interface Timeline {
  bucketUnit: 'day' | 'week';
  rangeStart: string;
  rangeEnd: string;
  buckets: TimelineBucket[];
}

/** Live observations per day or week (the server fills empty buckets with zeros), with axes, gridlines, tooltips. */
export function ObservationTimeline({ timeline }: { timeline: Timeline }) {
  const { buckets, bucketUnit } = timeline;
  const peak = buckets.reduce((best, bucket) => (bucket.count > best.count ? bucket : best), buckets[0]);
  const unit = bucketUnit === 'week' ? 'week (from Monday)' : 'day';
  const summary =
    `Observations per ${unit}, ${timeline.rangeStart} to ${timeline.rangeEnd}: ${buckets.length} buckets, ` +
    `the most ${formatCount(peak.count)} in the ${bucketUnit} of ${peak.label}.`;

  return (
    <figure className="chart" role="img" aria-label={summary}>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={buckets} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} strokeDasharray="3 3" />
          <XAxis tick={TICK} dataKey="label" tickLine={false} minTickGap={16} />
          <YAxis tick={TICK} allowDecimals={false} width={48} tickFormatter={(value: number) => formatCount(value)} />
          <Tooltip
            cursor={{ className: 'chart-cursor' }}
            content={({ active, payload }) => {
              const bucket = payload?.[0]?.payload as TimelineBucket | undefined;
              return (
                <ChartTooltip
                  active={active && !!bucket}
                  title={bucketUnit === 'week' ? `Week of ${bucket?.bucketStart}` : bucket?.bucketStart}
                >
                  {formatCount(bucket?.count ?? 0)} observations
                </ChartTooltip>
              );
            }}
          />
          <Bar dataKey="count" name="Observations" className="chart-bar" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="muted small">
        {timeline.rangeStart} — {timeline.rangeEnd} · {bucketUnit === 'week' ? 'weekly' : 'daily'} buckets
      </figcaption>
    </figure>
  );
}
