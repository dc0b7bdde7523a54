import type { Metadata } from 'next';
import { ObservationsPage } from '@/components/observations/observations-page';

export const metadata: Metadata = { title: 'Observations' };

export default function Page() {
  return <ObservationsPage />;
}
