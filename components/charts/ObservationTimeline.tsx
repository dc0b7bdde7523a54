import { formatCount } from '@/components/lib/format';

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

const BAR_WIDTH = 10;
const BAR_GAP = 2;
const HEIGHT = 100;

/** Bars of live observations per day or week (the server fills empty buckets with zeros). */
export function ObservationTimeline({ timeline }: { timeline: Timeline }) {
  const { buckets, bucketUnit } = timeline;
  const peak = buckets.reduce((best, bucket) => (bucket.count > best.count ? bucket : best), buckets[0]);
  const unit = bucketUnit === 'week' ? 'week (from Monday)' : 'day';
  const summary =
    `Observations per ${unit}, ${timeline.rangeStart} to ${timeline.rangeEnd}: ${buckets.length} buckets, ` +
    `the most ${formatCount(peak.count)} in the ${bucketUnit} of ${peak.label}.`;

  return (
    <figure style={{ margin: 0 }}>
      <svg
        role="img"
        aria-label={summary}
        viewBox={`0 0 ${buckets.length * BAR_WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        style={{ width: '100%', height: 200, display: 'block', background: 'var(--surface-2)', borderRadius: 6 }}
      >
        {buckets.map((bucket, i) => {
          const height = peak.count === 0 ? 0 : (bucket.count / peak.count) * (HEIGHT - 4);
          return (
            <rect
              key={bucket.bucketStart}
              x={i * BAR_WIDTH + BAR_GAP / 2}
              y={HEIGHT - height}
              width={BAR_WIDTH - BAR_GAP}
              height={height}
              style={{ fill: 'var(--primary)' }}
            >
              <title>{`${bucket.label} (${bucket.bucketStart}): ${formatCount(bucket.count)}`}</title>
            </rect>
          );
        })}
      </svg>
      <div className="muted small" style={{ display: 'flex', justifyContent: 'space-between', gap: '1rem' }} aria-hidden="true">
        <span>{buckets[0].label}</span>
        <span>peak {formatCount(peak.count)}</span>
        <span>{buckets[buckets.length - 1].label}</span>
      </div>
      <figcaption className="muted small">
        {timeline.rangeStart} — {timeline.rangeEnd} · {bucketUnit === 'week' ? 'weekly' : 'daily'} buckets
      </figcaption>
    </figure>
  );
}
