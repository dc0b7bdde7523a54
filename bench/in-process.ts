import { handleApiRequest } from '@/server/http/api';

/** A JSON POST through the whole REST path (gate, adapter, procedure), in this process. */
export function postApi(token: string, urlPath: string, body: unknown): Promise<Response> {
  return handleApiRequest(
    new Request(`http://bench.local${urlPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ode-version': '1.3.1', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }),
  );
}
