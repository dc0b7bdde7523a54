import type { ReactNode } from 'react';

/** Axis labels in the text colour around them (the theme's muted colour, see .chart in globals.css). */
export const TICK = { fill: 'currentColor', fontSize: 12 };

/** Recharts' tooltip content in the console's colours (light and dark): a title and one line. */
export function ChartTooltip({
  active,
  title,
  children,
}: {
  active?: boolean;
  title?: ReactNode;
  children?: ReactNode;
}) {
  if (!active) return null;
  return (
    <div className="chart-tooltip" role="status">
      <strong>{title}</strong>
      <div>{children}</div>
    </div>
  );
}
