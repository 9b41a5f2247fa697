/**
 * TLS towards the managed Jaeger: the collector and storage serve OTLP and remote storage with the
 * certificates the operator issues, the Kelemetry pods and the collector verify them with the instance CA
 * (mounted as ca.crt alone), and an external Jaeger keeps its own settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInstance } from '../api/types.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { renderInstance } from './instance.ts';
import { PATHS, PORTS } from './ports.ts';

type Pod = { containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[]; volumes?: { name: string; secret?: { secretName: string; items?: unknown[]; defaultMode?: number } }[] };
type O = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: { template?: { spec: Pod } } };

const load = (name: string) => renderInstance(parseInstance(parse(readFileSync(join(import.meta.dirname, 'testdata', `${name}.input.yaml`), 'utf8')), name));
const podOf = (objects: O[], name: string) => objects.find((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.metadata.name === name)!.spec!.template!.spec;
const secretVolume = (pod: Pod, volume: string) => pod.volumes?.find((v) => v.name === volume)?.secret;
const caFile = `${PATHS.jaegerCa}/ca.crt`;

describe('TLS to the managed Jaeger', () => {
  const r = load('minimal');
  const objects = r.objects as O[];

  it('has every role verify the collector, and the frontend verify storage, with the instance CA', () => {
    for (const [role, text] of Object.entries(r.configs)) {
      const cfg = parseConfig(parse(text), role);
      expect(cfg.tracer, role).toMatchObject({ otlpEndpoint: `kelemetry-jaeger-collector.kelemetry-system.svc:${PORTS.otlpGrpc}`, insecure: false, tls: { caFile } });
    }
    expect(parseConfig(parse(r.configs.frontend), 'frontend').plugin?.backend.tls).toMatchObject({ caFile });
  });

  it('mounts only ca.crt into the Kelemetry pods, and each Jaeger process its own certificate', () => {
    for (const name of ['kelemetry-consumer', 'kelemetry-informers', 'kelemetry-frontend']) {
      const pod = podOf(objects, name);
      expect(secretVolume(pod, 'jaeger-ca'), name).toEqual({ secretName: 'kelemetry-jaeger-collector-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
      expect(pod.containers.find((c) => c.name === 'kelemetry')!.volumeMounts).toContainEqual(expect.objectContaining({ name: 'jaeger-ca', mountPath: PATHS.jaegerCa }));
    }
    for (const which of ['collector', 'storage']) {
      const pod = podOf(objects, `kelemetry-jaeger-${which}`);
      expect(secretVolume(pod, 'tls')).toEqual({ secretName: `kelemetry-jaeger-${which}-tls`, defaultMode: 0o440 });
      expect(pod.containers[0]!.volumeMounts).toContainEqual(expect.objectContaining({ name: 'tls', mountPath: PATHS.jaegerTls }));
    }
  });

  it('serves OTLP and remote storage over TLS; query reaches the plugin on the pod loopback', () => {
    const jaeger = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kelemetry-jaeger')!.data!;
    const serving = { cert_file: `${PATHS.jaegerTls}/tls.crt`, key_file: `${PATHS.jaegerTls}/tls.key` };
    const storage = parse(jaeger['storage.yaml']!);
    expect(storage.receivers.otlp.protocols.grpc.tls).toMatchObject(serving);
    expect(storage.extensions.remote_storage.tls).toMatchObject(serving);
    const collector = parse(jaeger['collector.yaml']!);
    expect(collector.receivers.otlp.protocols.grpc.tls).toMatchObject(serving);
    expect(collector.exporters.otlp).toEqual({ endpoint: `kelemetry-jaeger-storage.kelemetry-system.svc:${PORTS.otlpGrpc}`, sending_queue: { enabled: false }, tls: { ca_file: `${PATHS.jaegerTls}/ca.crt` } });
    // An OTLP answer means "written to Badger": nothing acknowledged waits in a batch or queue of a pod that may roll.
    for (const cfg of [storage, collector]) {
      expect(cfg.service.pipelines.traces.processors).toBeUndefined();
      expect(cfg.processors).toBeUndefined();
    }
    const query = parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kelemetry-jaeger-query')!.data!['query.yaml']!);
    expect(query.extensions.jaeger_storage.backends.kelemetry.grpc.endpoint).toBe(`127.0.0.1:${PORTS.pluginGrpc}`);
    expect(parse(r.configs.frontend).plugin.grpcListen).toBe(`127.0.0.1:${PORTS.pluginGrpc}`);
  });

  it('leaves an external Jaeger to its own settings', () => {
    const ext = load('external');
    for (const text of Object.values(ext.configs)) {
      const cfg = parse(text);
      expect(cfg.tracer.insecure).toBe(true);
      expect(cfg.tracer.tls).toBeUndefined();
      expect(cfg.plugin?.backend.tls).toBeUndefined();
    }
    for (const o of ext.objects as O[]) {
      const pod = o.spec?.template?.spec;
      if (pod) expect(secretVolume(pod, 'jaeger-ca'), o.metadata.name).toBeUndefined();
    }
  });
});
