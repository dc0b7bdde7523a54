import { getConfig } from '@/server/config';
import { jsonResponse } from '@/server/http/responses';

/**
 * `x-ode-version` gate on every /api request (api-contract §1.2): missing, unparseable or another major → 426.
 * Accepts a leading v/V and any pre-release/build suffix; only the integer before the first dot is compared.
 */
const VERSION_PATTERN = /^[vV]?(\d+)(?:\.\d+){0,2}(?:[-+].*)?$/;

export function parseMajor(value: string): number | undefined {
  const match = VERSION_PATTERN.exec(value.trim());
  return match ? Number(match[1]) : undefined;
}

export function serverMajor(): number {
  return parseMajor(getConfig().serverVersion) ?? 1;
}

export function versionGate(headers: Headers): Response | undefined {
  const serverVersion = getConfig().serverVersion;
  const sent = headers.get('x-ode-version');
  let message: string | undefined;
  if (sent === null || sent.trim() === '') {
    message = `missing x-ode-version header; this server (v${serverVersion}) needs clients of major version ${serverMajor()}`;
  } else {
    const major = parseMajor(sent);
    if (major === undefined) {
      message = `x-ode-version must be a valid semantic version (got "${sent}")`;
    } else if (major !== serverMajor()) {
      message = `client v${sent.trim().replace(/^[vV]/, '')} is not compatible with this server (v${serverVersion}); update the client or the server`;
    }
  }
  if (!message) return undefined;
  return jsonResponse(
    { message, synkronus_version: serverVersion },
    { status: 426, headers: { 'x-synkronus-version': serverVersion } },
  );
}
