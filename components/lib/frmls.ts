/**
 * The FRMLS v1 onboarding payload Formulus scans (clients.md §1.2): `FRMLS:v:<b64>;s:<b64>;u:<b64>;p:<b64>;;`,
 * each value standard base64 of UTF-8, wrapped in the `formulus://settings?payload=` deep link.
 */

function base64Utf8(value: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function frmlsPayload(input: { serverUrl: string; username: string; password: string }): string {
  const fields: Array<[string, string]> = [
    ['v', '1'],
    ['s', input.serverUrl],
    ['u', input.username],
    ['p', input.password],
  ];
  return `FRMLS:${fields.map(([key, value]) => `${key}:${base64Utf8(value)}`).join(';')};;`;
}

export function formulusLink(payload: string): string {
  return `formulus://settings?payload=${encodeURIComponent(payload)}`;
}
