import { describe, expect, it } from 'vitest';
import { rewriter } from './localPod.ts';

describe('local pod rewriting', () => {
  const rewrite = rewriter(
    new Map([
      ['/etc/kelemetry/config', '/tmp/qs/pod/volumes/config'],
      ['/tmp', '/tmp/qs/pod/volumes/tmp'],
    ]),
    new Map([
      [8080, 41001],
      [9090, 41002],
    ]),
  );

  it('maps container ports to host ports on loopback', () => {
    expect(rewrite('listen: 0.0.0.0:8080\nmetrics: { listen: "0.0.0.0:9090" }')).toBe('listen: 127.0.0.1:41001\nmetrics: { listen: "127.0.0.1:41002" }');
    expect(rewrite('endpoint: localhost:9090')).toBe('endpoint: 127.0.0.1:41002');
    expect(rewrite('port 80800 stays')).toBe('port 80800 stays');
  });

  it('maps mount paths once, at path boundaries, longest first', () => {
    expect(rewrite('--config /etc/kelemetry/config/consumer.yaml')).toBe('--config /tmp/qs/pod/volumes/config/consumer.yaml');
    // The replacement lives under /tmp itself: it must not be rewritten again.
    expect(rewrite('/tmp/cache and /etc/kelemetry/config')).toBe('/tmp/qs/pod/volumes/tmp/cache and /tmp/qs/pod/volumes/config');
    expect(rewrite('/var/tmp/x /tmpfile')).toBe('/var/tmp/x /tmpfile');
  });
});
