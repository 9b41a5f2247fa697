/** Container images and how they are pulled. */
import { z } from 'zod';
import { objectName } from './common.ts';

const imageRef = z.object({
  repository: z.string().min(1).max(512).meta({ description: 'Image repository, without a tag.' }),
  /** Defaults to the tag the operator pairs with spec.version. */
  tag: z.string().min(1).max(128).meta({ description: 'Image tag; when unset, the tag the operator pairs with spec.version.' }).optional(),
});

export const imagesSpec = z.object({
  kelemetry: imageRef
    .meta({ description: 'Kelemetry image, run by the consumer, informers and frontend pods; its tag defaults to spec.version.' })
    .prefault({ repository: 'ghcr.io/kelemetry/kelemetry' }),
  jaeger: imageRef
    .meta({ description: 'Jaeger v2 image, run by jaeger-query in the frontend pod and by the managed Jaeger collector and storage.' })
    .prefault({ repository: 'jaegertracing/jaeger' }),
  etcd: imageRef.meta({ description: 'etcd image of the managed etcd StatefulSet.' }).prefault({ repository: 'quay.io/coreos/etcd' }),
  pullPolicy: z
    .enum(['Always', 'IfNotPresent', 'Never'])
    .default('IfNotPresent')
    .meta({ description: 'imagePullPolicy of every container the operator creates.' }),
  pullSecrets: z
    .array(objectName.meta({ description: 'Name of an image pull Secret.' }))
    .max(16)
    .meta({ description: 'Names of image pull Secrets in the instance namespace, added to every pod.' })
    .optional(),
});
