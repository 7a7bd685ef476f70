/**
 * The local stand-in for the API Gateway WebSocket API: a `ws` server on the
 * local HTTP server's port at `/v1/live`, speaking the same protocol through
 * the same code (`core/live/session.ts` for `$connect`, messages and
 * `$disconnect`; `core/live/notifier.ts` for notifications). The socket map
 * plays `@connections`: posting to a closed socket is "gone".
 *
 * `live.listener` is the `AppendListener` to register with the local stream
 * poller (the dispatcher), beside push delivery.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { LIVE_PATH, type LiveServerMessage } from '../packages/client/src/protocol/live';
import type { AppendListener } from '../lambdas/core/log/appends';
import { TributaryError } from '../lambdas/core/errors';
import { LiveNotifier } from '../lambdas/core/live/notifier';
import type { ConnectionPoster } from '../lambdas/core/live/ports';
import { currentTopicIdOf } from '../lambdas/core/live/topic-check';
import { upgradeToken } from '../lambdas/core/live/session';
import { rawHeaderValues } from './server';

/** A running local live server. */
export interface LocalLive {
  /** Wakes watchers of appended topics: register it with the stream dispatcher. */
  readonly listener: AppendListener;
  /** Open sockets by connection id (tests close one to simulate a lost connection). */
  readonly sockets: ReadonlyMap<string, WebSocket>;
  /** Closes every socket. */
  close(): Promise<void>;
}

/** API Gateway's connection ids are 12-character base64 strings. */
function connectionId(): string {
  return randomBytes(9).toString('base64');
}

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Service Unavailable';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/** Serves `/v1/live` on `server`'s upgrade requests. */
export function attachLiveServer(
  server: Server,
  options: {
    log?: (line: string) => void;
    /**
     * Accept connections. False: upgrades answer 404, so clients long-poll
     * (right while nothing wakes `listener`: a watcher would wait forever).
     */
    serve?: boolean;
  } = {},
): LocalLive {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Map<string, WebSocket>();
  const runtime = async () => (await import('../lambdas/runtime')).getRuntime();

  const poster: ConnectionPoster = {
    post: async (id: string, message: LiveServerMessage) => {
      const socket = sockets.get(id);
      if (!socket || socket.readyState !== WebSocket.OPEN) return 'gone';
      socket.send(JSON.stringify(message));
      return 'sent';
    },
  };
  let notifier: LiveNotifier | undefined;
  const listener: AppendListener = {
    onAppends: async (appends) => {
      const rt = await runtime();
      notifier ??= new LiveNotifier(rt.connections, poster, {
        currentTopicId: currentTopicIdOf(rt.topics),
        onError: (error, watch) => log(`live: notifying ${watch.connectionId} of ${watch.topic} failed: ${String(error)}`),
      });
      await notifier.onAppends(appends);
    },
  };

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
    if (pathname !== LIVE_PATH) return refuse(socket, 404, 'NOT_FOUND', `No WebSocket at ${pathname}; use ${LIVE_PATH}.`);
    if (options.serve === false) return refuse(socket, 404, 'NOT_FOUND', 'Live notifications are off on this stack; long-poll.');
    const query = Object.fromEntries(new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1)));
    const id = connectionId();
    const sessions = (await runtime()).liveSessions;
    try {
      // Node keeps only the first of repeated Authorization headers in req.headers: count the raw ones.
      await sessions.connect(id, upgradeToken({ authorization: rawHeaderValues(req.rawHeaders, 'authorization') }, query));
    } catch (error) {
      if (error instanceof TributaryError && error.code === 'UNAUTHENTICATED') {
        return refuse(socket, 401, error.code, error.message);
      }
      throw error;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(id, ws);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const text = isBinary ? undefined : data.toString('utf8');
        sessions.message(id, text).then(
          (reply) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(reply)),
          (error: unknown) => {
            log(`live: message on ${id} failed: ${String(error)}`);
            const reply = { type: 'error', error: { code: 'UNAVAILABLE', message: 'The service is temporarily unavailable; retry.' } };
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(reply));
          },
        );
      });
      ws.on('close', () => {
        sockets.delete(id);
        sessions.disconnect(id).catch((error: unknown) => log(`live: disconnect of ${id} failed: ${String(error)}`));
      });
    });
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch((error: unknown) => {
      log(`live: upgrade failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      refuse(socket, 503, 'UNAVAILABLE', 'The service is temporarily unavailable; retry.');
    });
  };
  server.on('upgrade', onUpgrade);

  return {
    listener,
    sockets,
    close: async () => {
      server.off('upgrade', onUpgrade);
      for (const ws of sockets.values()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
