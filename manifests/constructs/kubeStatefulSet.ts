/**
 * k8s.KubeStatefulSet whose claim templates carry apiVersion and kind. The typed props
 * (KubePersistentVolumeClaimProps) have neither and the L1 serialiser drops any extra key, but the
 * apiserver stores both on every claim template: without them, diff tools (Argo CD, Flux, helm diff)
 * would show `kelemetry synth` output as out of sync forever.
 */
import { k8s } from 'cdk8s-plus-33';

export class KubeStatefulSet extends k8s.KubeStatefulSet {
  override toJson(): Record<string, unknown> {
    const json = super.toJson() as { spec?: { volumeClaimTemplates?: object[] } };
    const claims = json.spec?.volumeClaimTemplates;
    if (json.spec && claims) {
      json.spec.volumeClaimTemplates = claims.map((claim) => ({ ...k8s.KubePersistentVolumeClaim.GVK, ...claim }));
    }
    return json;
  }
}
