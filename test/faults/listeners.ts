/**
 * The runtime's listeners, each with one good request (served = answered without a server error) and the raw
 * ways to abuse it: bytes that are not HTTP (or not HTTP/2), a request cut off mid-body, a header too large.
 */
import * as grpc from '@grpc/grpc-js';
import { request } from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Running } from './harness.ts';

export interface Listener {
  name: string;
  port: number;
  /** Resolves true when a well-formed request was served. */
  good(): Promise<boolean>;
}

const identity = (b: Buffer) => b;

/** GET (or POST) on HTTP/1.1; the status, or 0 when the connection failed. */
export function httpStatus(url: string, opts: { method?: string; body?: Buffer | string; headers?: Record<string, string> } = {}, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(opts.body);
  });
}

/** A unary gRPC call with a raw (already serialised) message; the status code. */
export function grpcUnary(port: number, method: string, message: Buffer, timeoutMs = 5000): Promise<grpc.status> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 << 20 });
  return new Promise((resolve) => {
    client.makeUnaryRequest(method, identity, identity, message, { deadline: Date.now() + timeoutMs }, (err) => {
      client.close();
      resolve(err ? (err.code ?? grpc.status.UNKNOWN) : grpc.status.OK);
    });
  });
}

export function listeners(r: Running): Listener[] {
  const base = (port: number) => `http://127.0.0.1:${port}`;
  const served = (status: number) => status > 0 && status < 500;
  return [
    { name: 'webhook', port: r.ports.webhook, good: () => r.sender.deliver(r.source.next(5)) },
    { name: 'metrics', port: r.ports.metrics, good: async () => (await httpStatus(`${base(r.ports.metrics)}/metrics`)) === 200 },
    {
      name: 'plugin /redirect',
      port: r.ports.http,
      good: async () => served(await httpStatus(`${base(r.ports.http)}/redirect?cluster=f&resource=pods&namespace=default&name=none&ts=${new Date().toISOString()}`)),
    },
    // An empty GetServicesRequest.
    { name: 'plugin gRPC', port: r.ports.grpc, good: async () => (await grpcUnary(r.ports.grpc, '/jaeger.storage.v2.TraceReader/GetServices', Buffer.alloc(0))) === grpc.status.OK },
  ];
}

/** Writes `bytes` to the port, waits for an answer or `ms`, and closes; what came back, for the notes. */
export function rawSend(port: number, bytes: Buffer | string, ms = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (how: string) => {
      socket.destroy();
      if (!answer) return resolve(how);
      // An HTTP/1 status line, or binary (HTTP/2 frames).
      resolve(answer.startsWith('HTTP/') ? answer.split('\r\n')[0]!.slice(9, 40) : `${answer.length} bytes of binary`);
    };
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => done('reset'));
    socket.on('close', () => done('closed'));
    socket.write(bytes);
    setTimeout(() => done('no answer'), ms);
  });
}

/** Abuse that any TCP listener must survive. */
export const rawAbuse: { name: string; bytes: () => Buffer | string }[] = [
  { name: 'random bytes', bytes: () => randomBytes(64 * 1024) },
  { name: 'body cut off', bytes: () => 'POST /audit/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"kind":"EventList","items":[{' },
  { name: '1 MiB header', bytes: () => `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1 << 20)}\r\n\r\n` },
  { name: 'HTTP/2 preface + junk', bytes: () => Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), randomBytes(4096)]) },
];
