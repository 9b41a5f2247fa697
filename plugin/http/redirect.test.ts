import { describe, expect, it } from 'vitest';
import { tracePageUrl } from './redirect.ts';

describe('tracePageUrl', () => {
  it('is the relative /trace/<id> without a configured UI address', () => {
    expect(tracePageUrl('ff20')).toBe('/trace/ff20');
  });

  it('keeps the UI base path, with or without its trailing slash', () => {
    expect(tracePageUrl('ff20', 'https://ui.example.com/jaeger')).toBe('https://ui.example.com/jaeger/trace/ff20');
    expect(tracePageUrl('ff20', 'https://ui.example.com/jaeger/')).toBe('https://ui.example.com/jaeger/trace/ff20');
    expect(tracePageUrl('ff20', 'http://127.0.0.1:16686')).toBe('http://127.0.0.1:16686/trace/ff20');
  });
});
