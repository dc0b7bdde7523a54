/**
 * Repository generation on the wire (api-contract §3.6). The client's value comes from the `x-repository-generation`
 * header, else the body's `repository_generation`. A header that is present but not an integer ≥ 1 counts as
 * "not sent" and the body is then ignored; a body value < 1 counts as "not sent". What a client that sent nothing
 * and one that sent another generation get is the services' rule (server/services/generation.ts).
 */
export function clientGeneration(header: string | null | undefined, body: unknown): number | undefined {
  if (header !== null && header !== undefined) {
    const trimmed = header.trim();
    const value = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
    return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
  }
  return typeof body === 'number' && Number.isSafeInteger(body) && body >= 1 ? body : undefined;
}
