import type { Metadata } from 'next';
import { ConflictsPage } from '@/components/conflicts/conflicts-page';

export const metadata: Metadata = { title: 'Conflicts' };

export default function Page() {
  return <ConflictsPage />;
}
