/**
 * Persistent volumes for the real node, as a cluster's default StorageClass would give: a default class with
 * no provisioner and a few pre-made hostPath PersistentVolumes under the node's folder, bound when a pod is
 * scheduled (WaitForFirstConsumer). The operator's managed etcd and Jaeger storage claim them unchanged.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { realNodeName } from './host.ts';

export const storageClassName = 'local';

function volumeDocs(dir: string, count: number, sizeGi: number): object[] {
  const storageClass = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: storageClassName, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Retain',
  };
  const volumes = Array.from({ length: count }, (_, i) => {
    const path = join(dir, `pv-${i}`);
    mkdirSync(path, { recursive: true });
    // Pods run as various non-root users and hostPath volumes get no fsGroup ownership: open to all.
    chmodSync(path, 0o777);
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `${realNodeName}-pv-${i}` },
      spec: {
        capacity: { storage: `${sizeGi}Gi` },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName,
        hostPath: { path, type: 'Directory' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [realNodeName] }] }] } },
      },
    };
  });
  return [storageClass, ...volumes];
}

/** Writes the StorageClass and `count` volumes as a manifest under `nodeDir`; returns its path for kubectl apply. */
export function writeVolumesManifest(nodeDir: string, count = 8, sizeGi = 10): string {
  const file = join(nodeDir, 'volumes.yaml');
  writeFileSync(file, volumeDocs(join(nodeDir, 'volumes'), count, sizeGi).map((d) => stringify(d)).join('---\n'));
  return file;
}
