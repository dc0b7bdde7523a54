import type { Metadata } from 'next';
import { ConsoleFrame } from '@/components/shell/console-frame';
import { OverviewPage } from '@/components/overview/overview-page';

export const metadata: Metadata = { title: 'Overview' };
export const dynamic = 'force-dynamic';

/** `/`: the console's overview for signed-in users; ConsoleFrame sends everyone else to sign in. */
export default function Page() {
  return (
    <ConsoleFrame>
      <OverviewPage />
    </ConsoleFrame>
  );
}
