/** Multi-document YAML for people who keep manifests in Git. */
import { stringify } from 'yaml';

export function toYaml(objects: object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
