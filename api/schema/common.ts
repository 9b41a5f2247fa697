/** Field types the sections share: names, quantities, sizes, Secret references. */
import { z } from 'zod';
import { DNS_LABEL } from '../../runtime/config/common.ts';

export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS_LABEL)
  .meta({ description: 'A DNS label: lowercase letters, digits and -, at most 63 characters.' });
export const objectName = z.string().min(1).max(253);
export const quantity = z
  .string()
  .max(64)
  .regex(/^[0-9]+(\.[0-9]+)?([eE][0-9]+|[munkMGTPE]i?|Ki)?$/)
  .meta({ description: 'A Kubernetes quantity such as 1Gi or 500m.' });
export const intOrString = z.union([z.string().max(64), z.number().int()]).meta({ 'x-kubernetes-int-or-string': true });
export const replicas = (def: number) => z.number().int().min(0).max(100).default(def);
export const workers = (def: number) => z.number().int().min(1).max(256).default(def);
export const stringMap = z.record(z.string().max(317), z.string().max(1024));

/** A key of a Secret; `keyDescription` says what the value under the key must be. */
export const secretKeyRef = (defaultKey: string, keyDescription: string) =>
  z.object({
    name: objectName.meta({ description: 'Secret in the instance namespace.' }),
    key: z.string().min(1).max(253).default(defaultKey).meta({ description: keyDescription }),
  });
export const secretRef = z.object({ name: objectName.meta({ description: 'Secret in the instance namespace.' }) });
