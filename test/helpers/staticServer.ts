// A static server on http://127.0.0.1 (a secure context, so WebGPU is exposed) for the browser
// suites. With `isolated` it sends the cross-origin isolation headers that threaded wasm needs.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
  '.gz': 'application/octet-stream',
  '.nii': 'application/octet-stream',
};

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** In-memory files by URL path (`'/'` is the page); looked up before `directory`. */
  readonly files?: ReadonlyMap<string, Buffer | string>;
  /** A folder served under `/` (index.html for folders). */
  readonly directory?: string;
  /** Send COOP/COEP so `crossOriginIsolated` is true (threaded wasm). */
  readonly isolated?: boolean;
}

/** Serves `files` and/or `directory`; close it in afterAll. */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const headers = (type: string): Record<string, string> => ({
    'content-type': type,
    ...(options.isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
  });
  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = decodeURIComponent((request.url ?? '/').split('?')[0]!);
      const memory = options.files?.get(path);
      if (memory !== undefined) {
        response.writeHead(200, headers(CONTENT_TYPES[extname(path)] ?? CONTENT_TYPES['.html']!)).end(memory);
        return;
      }
      if (options.directory !== undefined) {
        let file = join(options.directory, normalize(path).replace(/^(\.\.[/\\])+/, ''));
        try {
          if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
          const body = await readFile(file);
          response.writeHead(200, headers(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream')).end(body);
          return;
        } catch {
          // fall through to 404
        }
      }
      response.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
