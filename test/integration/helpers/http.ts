/** Small HTTP helpers for integration tests. */
import { request } from 'node:http';

export function getJson<T = unknown>(url: string): Promise<{ status: number; body: T | undefined; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: T | undefined;
        try {
          body = text ? (JSON.parse(text) as T) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** Jaeger query's UI-facing JSON (`/api/traces/{id}`), the fields tests read. */
export interface JaegerTag {
  key: string;
  type: string;
  value: string | number | boolean;
}
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: JaegerTag[];
  logs: { timestamp: number; fields: JaegerTag[] }[];
  processID: string;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
}
export interface JaegerResponse<T> {
  data: T;
  errors: { code: number; msg: string }[] | null;
}
