/** The parts of Jaeger query's UI JSON (`/api/traces/{id}`) the CLI reads. */
export interface JaegerKeyValue {
  key: string;
  type?: string;
  value: string | number | boolean;
}

export interface JaegerSpanJson {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType: string; traceID: string; spanID: string }[];
  startTime: number; // µs since epoch
  duration: number; // µs
  tags?: JaegerKeyValue[];
  logs?: { timestamp: number; fields: JaegerKeyValue[] }[];
  processID: string;
  warnings?: string[] | null;
}

export interface JaegerTraceJson {
  traceID: string;
  spans: JaegerSpanJson[];
  processes: Record<string, { serviceName: string; tags?: JaegerKeyValue[] }>;
  warnings?: string[] | null;
}
