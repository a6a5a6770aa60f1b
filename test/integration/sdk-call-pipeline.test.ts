// The pipelined call connection against real servers on 127.0.0.1: answers come back in the order
// the calls were made, several calls share one connection, chunked answers are read, a dropped
// connection fails what waits and the next call reconnects, and a malformed or late answer fails
// the calls instead of hanging them.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerReader, CallPipeline, type PipelinedAnswer } from '../../runtime/sdk/call-pipeline.ts';
import { eventually } from './agent-harness.ts';

const servers: Array<Server | NetServer> = [];
const pipelines: CallPipeline[] = [];
const connections = new Set<Socket>();

afterEach(async () => {
  for (const p of pipelines.splice(0)) p.close();
  for (const socket of connections) socket.destroy();
  connections.clear();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
        }),
    ),
  );
});

async function listen<S extends Server | NetServer>(server: S): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function pipelineTo(port: number, answer_timeout_ms?: number, idle_close_ms?: number): CallPipeline {
  const p = new CallPipeline({
    target: { host: '127.0.0.1', port },
    path: '/api/v1/scheduler',
    ...(answer_timeout_ms === undefined ? {} : { answer_timeout_ms }),
    ...(idle_close_ms === undefined ? {} : { idle_close_ms }),
  });
  pipelines.push(p);
  return p;
}

function post(p: CallPipeline, body: string): Promise<PipelinedAnswer> {
  return new Promise((resolve, reject) =>
    p.post(body, { 'Mesos-Stream-Id': 's1' }, (err, answer) =>
      err === undefined ? resolve(answer!) : reject(err),
    ),
  );
}

describe('CallPipeline', () => {
  it('answers every call in order over one connection, even when the server answers late ones first', async () => {
    const sockets = new Set<Socket>();
    const seen: string[] = [];
    const server = createHttpServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push(`${req.headers['mesos-stream-id']} ${req.headers['content-type']} ${body}`);
        const n = Number(JSON.parse(body).n);
        // Even calls wait a little, so a server that answered out of order would show it.
        setTimeout(
          () => {
            res.writeHead(n % 3 === 0 ? 400 : 202, { 'Content-Length': String(`n=${n}`.length) });
            res.end(`n=${n}`);
          },
          n % 2 === 0 ? 5 : 0,
        );
      });
    });
    const port = await listen(server);
    const p = pipelineTo(port);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => post(p, JSON.stringify({ n }))));
    expect(answers.map((a) => a.body.toString())).toEqual(Array.from({ length: 50 }, (_, n) => `n=${n}`));
    expect(answers.map((a) => a.status)).toEqual(
      Array.from({ length: 50 }, (_, n) => (n % 3 === 0 ? 400 : 202)),
    );
    expect(sockets.size).toBe(1);
    expect(seen[7]).toBe('s1 application/json {"n":7}');
    expect(p.waiting).toBe(0);
  });

  it('reads chunked answers and answers split at every byte', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n' +
      'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n' +
      'HTTP/1.1 400 Bad Request\r\ncontent-length: 4\r\nX-A: 1\r\n\r\nnope';
    const bytes = Buffer.from(text, 'latin1');
    for (const step of [1, 2, 7, bytes.length]) {
      const reader = new AnswerReader();
      const answers: PipelinedAnswer[] = [];
      for (let at = 0; at < bytes.length; at += step)
        answers.push(...reader.push(bytes.subarray(at, at + step)));
      expect(answers.map((a) => [a.status, a.body.toString()])).toEqual([
        [200, 'hello world'],
        [202, ''],
        [400, 'nope'],
      ]);
      expect(answers[2]!.headers['x-a']).toBe('1');
    }
  });

  it('refuses a malformed answer with an error naming it', () => {
    expect(() => new AnswerReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(
      /not an HTTP answer/,
    );
    expect(() =>
      new AnswerReader().push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n')),
    ).toThrow(/Content-Length/);
  });

  it('fails the waiting calls when the connection drops, and reconnects for the next call', async () => {
    let connections = 0;
    const server = createNetServer((socket) => {
      connections++;
      socket.once('data', () => {
        // The first connection is cut without an answer; later ones answer every request.
        if (connections === 1) {
          socket.destroy();
          return;
        }
        socket.write('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
      });
    });
    const port = await listen(server);
    const p = pipelineTo(port);
    const first = await Promise.allSettled([post(p, '{}'), post(p, '{}')]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const again = await post(p, '{}');
    expect(again.status).toBe(202);
    expect(connections).toBe(2);
  });

  it('fails a call whose answer does not come in time, and a garbled answer', async () => {
    const silent = createNetServer(() => {});
    const p = pipelineTo(await listen(silent), 100);
    await expect(post(p, '{}')).rejects.toThrow(/no answer .* within 100 ms/);

    const garbled = createNetServer((socket) => socket.once('data', () => socket.write('garbage\r\n\r\n')));
    const q = pipelineTo(await listen(garbled));
    await expect(post(q, '{}')).rejects.toThrow(/not an HTTP answer/);
  });

  it('closes a connection left idle itself, and opens a new one for the next call', async () => {
    const closedByClient: boolean[] = [];
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(202, { 'Content-Length': '0' }).end());
    });
    server.on('connection', (socket: Socket) => socket.on('end', () => closedByClient.push(true)));
    const p = pipelineTo(await listen(server), undefined, 50);
    expect((await post(p, '{}')).status).toBe(202);
    expect((await post(p, '{}')).status).toBe(202);
    // The client ends the idle connection (the server's keep-alive timeout is seconds away).
    await eventually(() => closedByClient.length > 0);
    expect(closedByClient).toEqual([true]);
    expect((await post(p, '{}')).status).toBe(202);
    expect(connections.size).toBe(2);
  });

  it('refuses calls once closed, and closes when idle after the calls already sent', async () => {
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(202, { 'Content-Length': '0' }).end(), 20));
    });
    const p = pipelineTo(await listen(server));
    const sent = post(p, '{}');
    p.closeWhenIdle();
    await expect(post(p, '{}')).rejects.toThrow(/closed/);
    expect((await sent).status).toBe(202);
    p.close();
    await expect(post(p, '{}')).rejects.toThrow(/closed/);
  });
});
