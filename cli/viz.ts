// `meso viz TRACE.ndjson [OTHER.ndjson]`: serves the web app and the trace(s) on 127.0.0.1 and prints
// the URL that opens them in the trace viewer; two traces (an experiment's pair, say) show side by
// side. The traces are streamed from disk as the page reads them, never loaded whole.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAppPath, sendAppFile } from '../viz/serve.ts';
import { untilStopSignal } from './flags.ts';

/** The command's options as the command line gives them. */
export interface VizCommandOptions {
  readonly port?: string;
  readonly host?: string;
}

/** A running viewer server. */
export interface VizServer {
  /** The page that opens the traces. */
  readonly url: string;
  close(): Promise<void>;
}

/** The most traces one page compares. */
const traces_max = 2;

/** Checks the files can be read; throws naming the one that cannot. */
function checkTraces(files: readonly string[]): number[] {
  if (files.length === 0) throw new Error('name a trace to open, e.g. meso viz out/sim/trace.ndjson');
  if (files.length > traces_max)
    throw new Error(`at most ${traces_max} traces side by side, got ${files.length}`);
  return files.map((file) => {
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch (error) {
      throw new Error(`cannot read the trace ${file}: ${(error as Error).message}`);
    }
    return size;
  });
}

function parsePort(text: string | undefined): number {
  const port = Number(text ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number from 0 (any free port) to 65535, got '${text}'`);
  }
  return port;
}

/** Serves the app and `files`; resolves once listening. */
export async function startVizServer(
  files: readonly string[],
  opts: VizCommandOptions = {},
): Promise<VizServer> {
  const sizes = checkTraces(files);
  const port = parsePort(opts.port);
  const host = opts.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('GET only');
      return;
    }
    if (isAppPath(path)) {
      void sendAppFile(res, path);
      return;
    }
    const m = /^\/traces\/(\d+)(\/|$)/.exec(path);
    const i = m === null ? -1 : Number(m[1]);
    if (i < 0 || i >= files.length) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`Not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/x-ndjson',
      'Content-Length': sizes[i],
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(files[i]!, { highWaterMark: 1 << 20 });
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const query = files.map((f, k) => `trace=${encodeURIComponent(`/traces/${k}/${encodeURIComponent(f)}`)}`);
  return {
    url: `http://${host}:${bound}/?${query.join('&')}#/trace`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves until SIGINT or SIGTERM; resolves with the exit code. */
export async function runVizCommand(files: readonly string[], opts: VizCommandOptions): Promise<number> {
  const server = await startVizServer(files, opts);
  process.stdout.write(`meso viz: open ${server.url}\n`);
  process.stdout.write('meso viz: Ctrl-C stops the server\n');
  await untilStopSignal();
  await server.close();
  return 0;
}
