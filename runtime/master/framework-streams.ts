// The open scheduler event streams: one chunked HTTP response per SUBSCRIBE, named by its
// Mesos-Stream-Id. Events are written as RecordIO records of JSON or protobuf, as the SUBSCRIBE's
// Accept header asked, one socket write each. A stream closed by the master
// (close_framework_stream) ends quietly; a stream closed by the client, or dropped because the
// client stopped reading, is reported so the host can tell the engine.
import type { ServerResponse } from 'node:http';
import type { CloseFrameworkStreamEffect, FrameworkEventEffect } from '../../engine/master/effects.ts';
import { stream_buffer_bytes_max } from '../constants.ts';
import { application_json } from '../http-util.ts';
import type { Log } from '../log.ts';
import { eventRecord, type StreamMediaType } from '../wire/protobuf.ts';
import type { MasterMetrics } from './metrics.ts';

/** An open scheduler stream. */
export interface FrameworkStream {
  readonly id: string;
  /** The framework on the stream, known from the first event written to it. */
  framework_id: string | undefined;
  readonly res: ServerResponse;
  /** The media type its events are written in (the SUBSCRIBE's Accept chose it). */
  readonly media: StreamMediaType;
}

/** The open scheduler streams. */
export interface FrameworkStreams {
  /** Registers the response of a SUBSCRIBE as stream `id` (headers are sent with the first event). */
  open(res: ServerResponse, id: string, media?: StreamMediaType): FrameworkStream;
  /** Forgets a stream without reporting it (its SUBSCRIBE was refused). */
  drop(id: string): void;
  /** Sends the 200 and headers now if no event has been written yet. */
  flushHeaders(id: string): void;
  /** Writes an event on its stream (dropped when the stream is gone). */
  write(effect: FrameworkEventEffect): void;
  /** Ends a stream on the master's decision. */
  close(effect: CloseFrameworkStreamEffect): void;
  /** Ends every stream without reporting them (the master is stopping). */
  closeAll(): void;
  readonly size: number;
}

/** Creates the stream table; `onClientClose` hears of streams that ended from the client's side. */
export function createFrameworkStreams(
  log: Log,
  metrics: MasterMetrics | undefined,
  onClientClose: (stream: FrameworkStream) => void,
): FrameworkStreams {
  const streams = new Map<string, FrameworkStream>();

  function start(stream: FrameworkStream): void {
    if (stream.res.headersSent) return;
    stream.res.writeHead(200, { 'Content-Type': stream.media, 'Mesos-Stream-Id': stream.id });
    stream.res.flushHeaders();
  }

  return {
    open(res, id, media = application_json) {
      const stream: FrameworkStream = { id, framework_id: undefined, res, media };
      streams.set(id, stream);
      res.socket?.setNoDelay(true);
      res.on('error', (err) => log.debug('scheduler stream error', { stream_id: id, error: err.message }));
      res.on('close', () => {
        if (streams.get(id) !== stream) return;
        streams.delete(id);
        onClientClose(stream);
      });
      return stream;
    },
    drop(id) {
      streams.delete(id);
    },
    flushHeaders(id) {
      const stream = streams.get(id);
      if (stream !== undefined) start(stream);
    },
    write(effect) {
      const stream = streams.get(effect.stream_id);
      if (stream === undefined || stream.res.writableEnded || stream.res.destroyed) return;
      stream.framework_id ??= effect.framework_id;
      start(stream);
      stream.res.write(eventRecord('scheduler', stream.media, effect.event));
      metrics?.eventSent(effect.event.type);
      if (stream.res.writableLength > stream_buffer_bytes_max) {
        log.warn('scheduler stream dropped: the client is not reading', {
          framework_id: stream.framework_id,
          stream_id: stream.id,
          unread_bytes: stream.res.writableLength,
        });
        // Destroying the response closes it from the client's side, which reports it.
        stream.res.destroy();
      }
    },
    close(effect) {
      const stream = streams.get(effect.stream_id);
      if (stream === undefined) return;
      streams.delete(effect.stream_id);
      start(stream);
      stream.res.end();
    },
    closeAll() {
      const open = [...streams.values()];
      streams.clear();
      for (const stream of open) {
        start(stream);
        stream.res.end();
      }
    },
    get size() {
      return streams.size;
    },
  };
}
