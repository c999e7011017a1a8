/**
 * Socket Mode on the loopback Slack: apps.connections.open hands out `ws://…/socket`; this server says
 * `hello`, pushes envelopes, and resolves each with the ack the client sends back (`{envelope_id}`).
 */
import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

export interface FakeSocketMode {
  /**
   * Sends an envelope and resolves with the client's ack payload. A redelivery is a new envelope with
   * the same payload and `retry_attempt`/`retry_reason` set.
   */
  sendEnvelope(type: string, payload: unknown, retry?: SocketRetry): Promise<Record<string, unknown>>;
  connected: Promise<void>;
  close(): void;
}

export interface SocketRetry {
  retry_attempt: number;
  retry_reason: string;
}

let seq = 0;

export function attachFakeSocketMode(server: Server): FakeSocketMode {
  const sockets = new Set<WebSocket>();
  const acks = new Map<string, (payload: Record<string, unknown>) => void>();
  let resolveConnected!: () => void;
  const connected = new Promise<void>((r) => {
    resolveConnected = r;
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as {
          envelope_id?: string;
          payload?: Record<string, unknown>;
        };
        if (msg.envelope_id) acks.get(msg.envelope_id)?.(msg.payload ?? {});
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A1' },
        }),
      );
      resolveConnected();
    });
  });
  return {
    connected,
    sendEnvelope(type, payload, retry) {
      const envelope_id = `env-${++seq}`;
      const acked = new Promise<Record<string, unknown>>((resolve) => acks.set(envelope_id, resolve));
      for (const ws of sockets)
        ws.send(
          JSON.stringify({
            envelope_id,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            ...retry,
          }),
        );
      return acked;
    },
    close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
    },
  };
}
