import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { consoleAuthOptions } from '@/server/console/session';
import { requestOrigin } from '@/server/http/request-info';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The console's sign-in and sign-out (next-auth), beside the REST /api/auth routes. */
function handler(request: NextRequest, context: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  const secure = requestOrigin(request).startsWith('https:');
  return NextAuth(request, context, consoleAuthOptions(secure));
}

export { handler as GET, handler as POST };
