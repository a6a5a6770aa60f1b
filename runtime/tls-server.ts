// The HTTP server of a master or an agent, over TLS when LIBPROCESS_SSL_ENABLED says so. Each new
// connection's first byte tells what it speaks: a TLS handshake record (0x16) goes through TLS,
// anything else is plain text, served as HTTP when LIBPROCESS_SSL_SUPPORT_DOWNGRADE is on and
// otherwise answered 400 with a message saying the port speaks TLS only, then closed. Without TLS
// the server is node:http's own.
import { createServer as createHttpServer, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Log } from './log.ts';
import type { Tls } from './wire/tls.ts';

/** The first byte of a TLS record carrying a handshake (a ClientHello opens every connection). */
const tls_handshake_record = 0x16;

/** How long a refused plain-text connection may stay open for its answer to be read. */
const plain_refusal_linger_ms = 2000;

/** What a plain-text request to a TLS-only port is told before the connection closes. */
export const tls_only_message =
  'This port speaks TLS only (LIBPROCESS_SSL_ENABLED): connect with https:// or wss://, ' +
  'or start the server with LIBPROCESS_SSL_SUPPORT_DOWNGRADE=true to take plain HTTP as well';

function tlsOnlyAnswer(): string {
  return (
    'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n' +
    `Content-Length: ${Buffer.byteLength(tls_only_message)}\r\n\r\n${tls_only_message}`
  );
}

/** Answers a plain-text connection to a TLS-only port, reads and drops what it sends, and closes it. */
function refusePlainText(socket: Socket): void {
  socket.on('data', () => {});
  socket.resume();
  socket.end(tlsOnlyAnswer());
  // The client closes once it has the answer; one that does not is cut.
  const timer = setTimeout(() => socket.destroy(), plain_refusal_linger_ms);
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
}

/**
 * An HTTP server with `options`, serving TLS with `tls` when given. `first_byte_timeout_ms` cuts
 * a connection that sends nothing (the HTTP header timeout starts only once it is dispatched).
 */
export function createServingServer(
  options: ServerOptions,
  tls: Tls | undefined,
  log: Log,
  first_byte_timeout_ms: number,
): Server {
  if (tls === undefined) return createHttpServer(options);
  const server = createHttpsServer({
    ...options,
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.ca === undefined ? {} : { ca: [...tls.ca] }),
    requestCert: tls.verify_cert,
    rejectUnauthorized: tls.require_cert,
  });
  const [wrapInTls] = server.listeners('connection') as Array<(socket: Socket) => void>;
  if (wrapInTls === undefined) throw new Error('the https server has no connection listener to wrap');
  server.removeListener('connection', wrapInTls);
  // Every raw socket, so that closing all connections reaches those still in a handshake or
  // before their first byte, which node:http does not track.
  const sockets = new Set<Socket>();
  const closeTracked = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    for (const socket of sockets) socket.destroy();
    closeTracked();
  };
  server.prependListener('connection', (socket: Socket) => {
    sockets.add(socket);
    const timer = setTimeout(() => socket.destroy(), first_byte_timeout_ms);
    socket.once('close', () => {
      clearTimeout(timer);
      sockets.delete(socket);
    });
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === tls_handshake_record) wrapInTls.call(server, socket);
      else if (tls.support_downgrade) server.emit('secureConnection', socket);
      else {
        log.debug('plain-text connection to a TLS-only port refused', { address: socket.remoteAddress });
        refusePlainText(socket);
        return;
      }
      process.nextTick(() => socket.resume());
    });
  });
  // VERIFY_CERT without REQUIRE_CERT: a client may present no certificate, but not a bad one.
  if (tls.verify_cert && !tls.require_cert) {
    server.prependListener('secureConnection', (socket: Socket) => {
      if (!(socket instanceof TLSSocket) || socket.authorized) return;
      if (Object.keys(socket.getPeerCertificate()).length === 0) return;
      log.warn('TLS client certificate refused', {
        address: socket.remoteAddress,
        reason: String(socket.authorizationError),
      });
      socket.destroy();
    });
  }
  server.on('tlsClientError', (err: Error, socket: Socket) => {
    log.debug('TLS handshake failed', { address: socket.remoteAddress, error: err.message });
  });
  return server;
}
