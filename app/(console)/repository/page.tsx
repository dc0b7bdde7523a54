import type { Metadata } from 'next';
import { RepositoryPage } from '@/components/repository/repository-page';

export const metadata: Metadata = { title: 'Repository' };

export default function Page() {
  return <RepositoryPage />;
}
