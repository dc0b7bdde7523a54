import crypto from 'node:crypto';
import { clientIp } from '@/server/auth/limiter';
import type { RequestInfo } from '@/server/trpc';

/** Set by server/main.ts from the socket; any client-sent value is removed there first. */
export const PEER_ADDRESS_HEADER = 'x-synkronus-peer-address';

function firstValue(header: string | null): string | undefined {
  return header?.split(',')[0]?.trim() || undefined;
}

/** The origin clients reached us at, honouring reverse-proxy headers. */
export function requestOrigin(request: Request): string {
  const url = new URL(request.url);
  const proto = firstValue(request.headers.get('x-forwarded-proto')) ?? url.protocol.replace(':', '');
  const host = firstValue(request.headers.get('x-forwarded-host')) ?? request.headers.get('host') ?? url.host;
  return `${proto}://${host}`;
}

/** Echoed in every /api response and bound to every log line of the request. */
export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A proxy's request id is kept so logs join up across hops; anything else gets a fresh one. */
function requestId(headers: Headers): string {
  const sent = headers.get(REQUEST_ID_HEADER);
  return sent && SAFE_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
}

export function requestInfo(request: Request): RequestInfo {
  const peer = request.headers.get(PEER_ADDRESS_HEADER) ?? '127.0.0.1';
  return {
    requestId: requestId(request.headers),
    clientIp: clientIp(peer, request.headers.get('x-real-ip')),
    clientId: request.headers.get('x-ode-client-id')?.trim() ?? '',
    odeVersion: request.headers.get('x-ode-version'),
    origin: requestOrigin(request),
    headers: request.headers,
    query: new URL(request.url).searchParams,
  };
}
