// Serving the built web app over node:http: `/` (and `/index.html`) is the page, `/assets/...` its
// scripts and styles. Used by the master (the UI at its root) and by `meso viz`. The bundle is
// built first when it is missing or stale (viz/build.ts).
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { vizBundle } from './build.ts';

const content_types: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Whether `path` is one of the app's own paths. */
export function isAppPath(path: string): boolean {
  return path === '/' || path === '/index.html' || path.startsWith('/assets/');
}

/** Answers a GET of one of the app's paths (see `isAppPath`) with the file of the bundle, or 404. */
export async function sendAppFile(res: ServerResponse, path: string): Promise<void> {
  const dir = await vizBundle().catch((error: unknown) => error as Error);
  if (dir instanceof Error) {
    // The APIs go on serving; the page says what is missing.
    res
      .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(`The web UI could not be built (npm ci builds it): ${dir.message}`);
    return;
  }
  const relative = path === '/' ? 'index.html' : normalize(path.slice(1));
  if (relative.startsWith('..') || relative.includes('\0')) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  const body = await readFile(join(dir, relative)).catch(() => undefined);
  if (body === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  // Asset names carry their content hash, so they may be cached for good; the page may not.
  const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(200, {
    'Content-Type': content_types[extname(relative)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': cache,
  });
  res.end(body);
}
