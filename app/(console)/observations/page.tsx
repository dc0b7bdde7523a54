import type { Metadata } from 'next';
import { ObservationsPage } from '@/components/observations/observations-page';
import { getConfig } from '@/server/config';

export const metadata: Metadata = { title: 'Observations' };

export default function Page() {
  return <ObservationsPage mapTileUrl={getConfig().mapTileUrl} />;
}
