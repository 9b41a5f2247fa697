/** Trace and span ID helpers: hex in the model, bytes on the wire. */
import { randomBytes } from 'node:crypto';

export function randomSpanId(): string {
  // A zero span ID is invalid in OTLP; the chance is negligible but cheap to exclude.
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (id !== '0000000000000000') return id;
  }
}

export function hexToBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

export function bytesToHex(bytes: Uint8Array | undefined | null): string {
  return bytes && bytes.length ? Buffer.from(bytes).toString('hex') : '';
}
