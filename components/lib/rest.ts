'use client';

import { useCallback, useMemo } from 'react';
import { useTRPCClient } from '@/components/trpc';
import { restErrorOf } from '@/components/lib/errors';

/**
 * The console's binary flows use the streaming REST routes, which take a bearer token and x-ode-version. The
 * signed-in user gets both from `console.accessToken`; the token is kept in memory only.
 */
interface RestAccess {
  token: string;
  expiresAt: number;
  odeVersion: string;
}

const REUSE_MARGIN_SECONDS = 60;
/** Per page load: signing in or out reloads the page, so a token never outlives its user. */
let cached: RestAccess | undefined;

export function useRest() {
  const client = useTRPCClient();

  const access = useCallback(async (): Promise<RestAccess> => {
    if (!cached || cached.expiresAt - REUSE_MARGIN_SECONDS < Date.now() / 1000) {
      cached = await client.console.accessToken.mutate();
    }
    return cached;
  }, [client]);

  const headers = useCallback(async () => {
    const { token, odeVersion } = await access();
    return { Authorization: `Bearer ${token}`, 'x-ode-version': odeVersion };
  }, [access]);

  /** GET a file as a Blob (the REST routes stream it; the browser keeps it for preview or saving). */
  const fetchBlob = useCallback(
    async (path: string): Promise<Blob> => {
      const response = await fetch(`/api${path}`, { headers: await headers() });
      if (!response.ok) throw restErrorOf(response.status, response.headers, await response.text());
      return response.blob();
    },
    [headers],
  );

  /** HEAD: whether the file is there, without fetching it. */
  const exists = useCallback(
    async (path: string): Promise<boolean> => {
      const response = await fetch(`/api${path}`, { method: 'HEAD', headers: await headers() });
      if (response.status === 404) return false;
      if (!response.ok) throw restErrorOf(response.status, response.headers, '');
      return true;
    },
    [headers],
  );

  const download = useCallback(
    async (path: string, fileName: string) => {
      const url = URL.createObjectURL(await fetchBlob(path));
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
    [fetchBlob],
  );

  /** A multipart POST with upload progress (fetch cannot report upload progress; XMLHttpRequest can). */
  const upload = useCallback(
    async <T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> => {
      const requestHeaders = await headers();
      return new Promise<T>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', `/api${path}`);
        for (const [name, value] of Object.entries(requestHeaders)) xhr.setRequestHeader(name, value);
        xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
        xhr.onerror = () => reject(new TypeError('network error'));
        xhr.onload = () => {
          if (xhr.status >= 200 && xhr.status < 300) {
            resolve(JSON.parse(xhr.responseText) as T);
          } else {
            reject(restErrorOf(xhr.status, { get: (name) => xhr.getResponseHeader(name) }, xhr.responseText));
          }
        };
        xhr.send(form);
      });
    },
    [headers],
  );

  return useMemo(() => ({ fetchBlob, exists, download, upload }), [fetchBlob, exists, download, upload]);
}
