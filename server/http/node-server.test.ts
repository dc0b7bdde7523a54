import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSynkronusServer } from '@/server/http/node-server';
import { PEER_ADDRESS_HEADER } from '@/server/http/request-info';

/**
 * The socket edge on a real port, with stand-in handlers: which handler gets what, and how a web Request and
 * Response cross over (the whole app behind it is tested in e2e/server).
 */

const seen: Array<{ handler: 'api' | 'app'; url: string; peer?: string | null }> = [];
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const { server, drain } = createSynkronusServer({
    api: async (request) => {
      seen.push({ handler: 'api', url: request.url, peer: request.headers.get(PEER_ADDRESS_HEADER) });
      const url = new URL(request.url);
      if (url.pathname === '/api/echo') return new Response(await request.text(), { status: 201 });
      if (url.pathname === '/api/chunks') return new Response(chunks(Number(url.searchParams.get('n'))));
      return Response.json({ ok: true });
    },
    app: (req, res) => {
      seen.push({ handler: 'app', url: req.url ?? '' });
      res.end('app');
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = drain;
});
afterAll(() => close());

function chunks(count: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === count) return controller.close();
      sent += 1;
      controller.enqueue(new Uint8Array(1024).fill(65));
    },
  });
}

/** A raw HTTP/1.1 exchange, so that nothing on the client side adds or drops headers. */
function rawRequest(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(base).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(head);
  });
}

describe('the Node server edge', () => {
  it('gives the REST API to the API handler and everything else, console API routes included, to Next.js', async () => {
    seen.length = 0;
    for (const path of ['/api/versions', '/api', '/api/trpc/system.health', '/api/console-auth/session', '/login'])
      await (await fetch(base + path)).arrayBuffer();
    expect(seen.map(({ handler, url }) => [handler, new URL(url, base).pathname])).toEqual([
      ['api', '/api/versions'],
      ['api', '/api'],
      ['app', '/api/trpc/system.health'],
      ['app', '/api/console-auth/session'],
      ['app', '/login'],
    ]);
  });

  it("hands the API the socket's address, never a client-sent peer address", async () => {
    seen.length = 0;
    await fetch(`${base}/api/versions`, { headers: { [PEER_ADDRESS_HEADER]: '203.0.113.9' } });
    expect(seen[0].peer).toBe('127.0.0.1');
  });

  it('passes the request body through and sends a one-piece answer with its Content-Length', async () => {
    const response = await fetch(`${base}/api/echo`, { method: 'POST', body: 'x'.repeat(200_000) });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-length')).toBe('200000');
    expect((await response.text()).length).toBe(200_000);
    const small = await fetch(`${base}/api/versions`);
    expect(small.headers.get('content-length')).toBe(String('{"ok":true}'.length));
  });

  it('streams a many-chunk answer whole, chunked', async () => {
    const response = await fetch(`${base}/api/chunks?n=300`);
    expect(response.headers.get('content-length')).toBeNull();
    expect((await response.arrayBuffer()).byteLength).toBe(300 * 1024);
  });

  it('redirects a trailing or doubled slash with 308, keeping the query, and keeps the connection', async () => {
    const answer = await rawRequest(
      'GET /api//sync/pull/?limit=5 HTTP/1.1\r\nHost: x\r\n\r\nGET /api/versions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 308 Permanent Redirect\r\n/);
    expect(answer).toContain('Location: /api/sync/pull?limit=5\r\n');
    expect(answer).toContain('HTTP/1.1 200 OK');
  });
});
