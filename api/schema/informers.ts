/** The informers: the diff controller and the event controller, watching the current cluster. */
import { z } from 'zod';
import { durationText } from '../../runtime/config/common.ts';
import { brokenAt, cel } from '../cel.ts';
import { replicas, workers } from './common.ts';
import { podOptionsFor } from './pod.ts';
import { RESOURCE_DEFAULTS } from './resourceDefaults.ts';

const LEADERS_WITHIN_REPLICAS = { rule: '!self.diff.enabled || self.replicas == 0 || self.diff.leaders <= self.replicas', message: 'diff.leaders cannot exceed replicas' };

export const informersSpec = z
  .object({
    replicas: replicas(3).meta({ description: 'Replicas of the informers Deployment; 0 runs no diff or event controller.' }),
    diff: z
      .object({
        enabled: z.boolean().default(true).meta({ description: 'Run the diff controller in the informers and attach diffs to audit spans in the consumer.' }),
        /** Replicas that watch at once (the original's diff.leaders); one of them writes. */
        leaders: z
          .number()
          .int()
          .min(1)
          .max(16)
          .default(2)
          .meta({ description: "Informers replicas that watch at once (the original's diff.leaders); one writes, the others take over if it fails." }),
        workers: workers(8).meta({ description: 'Workers per informers replica that write diffs and snapshots to the diff cache.' }),
        /** Objects whose key matches this regular expression keep no diff content. */
        redactPattern: z
          .string()
          .max(1024)
          .meta({ description: 'Regular expression on group/version/resource/namespace/name; matching objects keep no diff content.' })
          .optional(),
        storeTimeout: durationText.default('10s').meta({ description: 'How long one write to the diff cache may take before it fails (e.g. 10s).' }),
        debugApi: z
          .boolean()
          .default(false)
          .meta({
            description:
              'Serve the diff debug API (the original\'s --diff-api-enable) on port 8082 of the informers pods: GET /diff/<group>/<version>/<resource>/<namespace>/<name>[/<resourceVersion>]; reach it with kubectl port-forward. It shows object diffs, so it is off by default.',
          }),
        patchTtl: durationText.default('1h').meta({ description: 'How long a diff is kept in the diff cache (e.g. 1h).' }),
        snapshotTtl: durationText.default('1h').meta({ description: 'How long creation and deletion snapshots of objects are kept in the diff cache (e.g. 1h).' }),
      })
      .meta({ description: 'The diff controller: watches objects of every kind in currentCluster and stores each change in the diff cache.' })
      .prefault({}),
    event: z
      .object({
        enabled: z.boolean().default(true).meta({ description: 'Run the event controller in the informers.' }),
        workers: workers(8).meta({ description: 'Workers that turn Events into spans.' }),
        /** How often the controller records the last event it handled. */
        syncInterval: durationText
          .default('5s')
          .meta({ description: 'How often the event controller saves the last Event it handled to its state ConfigMap, where a restart resumes (e.g. 5s).' }),
      })
      .meta({ description: 'The event controller: turns Events in currentCluster into event spans; one informers replica runs it at a time.' })
      .prefault({}),
    pod: podOptionsFor(RESOURCE_DEFAULTS.informers).meta({ description: 'Scheduling and resources of the informers pods.' }).prefault({}),
  })
  .meta(cel(LEADERS_WITHIN_REPLICAS))
  .meta({ description: 'The informers Deployment: watches currentCluster for object changes (diffs) and Events.' });

/** The CEL rule above, in TypeScript. */
export function informersIssues(informers: z.output<typeof informersSpec>): string[] {
  const { diff } = informers;
  return brokenAt(diff.enabled && informers.replicas > 0 && diff.leaders > informers.replicas, 'spec.informers', LEADERS_WITHIN_REPLICAS.message);
}
