/** The frontend: Jaeger query (the UI) with the Kelemetry storage plugin and its display modes. */
import { z } from 'zod';
import { objectName, replicas } from './common.ts';
import { podOptionsFor, resourcesWithDefaults, serviceIssues, serviceOptions } from './pod.ts';
import { RESOURCE_DEFAULTS } from './resourceDefaults.ts';

export const frontendSpec = z
  .object({
    replicas: replicas(3).meta({ description: 'Replicas of the frontend Deployment.' }),
    /** The display-mode (transform) configuration file, from a ConfigMap; the built-in one when absent. */
    displayModes: z
      .object({
        configMapRef: z
          .object({
            name: objectName.meta({ description: 'ConfigMap in the instance namespace.' }),
            key: z.string().min(1).max(253).default('tfconfig.yaml').meta({ description: 'Key of the ConfigMap that holds the display-mode YAML file.' }),
          })
          .meta({ description: 'ConfigMap holding the display-mode file, mounted into the frontend pods.' })
          .optional(),
      })
      .meta({ description: 'The display-mode (trace transform) configuration of the storage plugin; the built-in one when configMapRef is absent.' })
      .prefault({}),
    uiUrl: z
      .url({ protocol: /^https?$/ })
      .max(512)
      .meta({
        description:
          "Absolute address where browsers reach the Jaeger UI, with its base path (e.g. https://kelemetry.example.com/jaeger/); the plugin's /redirect then sends browsers to <uiUrl>trace/<id>. Unset: /redirect answers a relative /trace/<id>, which only works behind the UI's own host.",
      })
      .optional(),
    service: serviceOptions.meta({ description: 'The query Service: the Jaeger UI on port 16686 and the plugin HTTP endpoints on port 8081.' }).prefault({}),
    pod: podOptionsFor(RESOURCE_DEFAULTS.frontend)
      .meta({ description: 'Scheduling of the frontend pods, and resources of their Kelemetry storage-plugin container.' })
      .prefault({}),
    /** Resources of the Jaeger query container in the same pod. */
    queryResources: resourcesWithDefaults(RESOURCE_DEFAULTS.query).meta({ description: 'Resources of the Jaeger query container in the frontend pods.' }).prefault({}),
  })
  .meta({ description: 'The frontend Deployment: Jaeger query (the UI) with the Kelemetry storage plugin, which assembles the traces it shows.' });

/** The CEL rules of the frontend's parts, in TypeScript. */
export function frontendIssues(frontend: z.output<typeof frontendSpec>): string[] {
  return serviceIssues(frontend.service, 'spec.frontend.service');
}
