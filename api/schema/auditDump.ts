/** The consumer's optional dump of received audit events, for forensics and `kelemetry replay`. */
import { z } from 'zod';

export const auditDumpSpec = z
  .object({
    enabled: z.boolean().default(false).meta({ description: 'Append every received audit event to a JSON-lines file in each consumer pod.' }),
    path: z
      .string()
      .regex(/^\/tmp\/[A-Za-z0-9._/-]+$/)
      .max(256)
      .default('/tmp/audit-dump.jsonl')
      .meta({ description: "The file, under /tmp (the pod's emptyDir volume: it lasts as long as the pod; copy it out with kubectl cp)." }),
    maxSizeMiB: z.number().int().min(1).max(10_240).default(100).meta({ description: 'Size at which the file is rotated to <path>.1.' }),
    maxFiles: z.number().int().min(1).max(100).default(3).meta({ description: 'Rotated files kept (<path>.1 … <path>.<maxFiles>).' }),
  })
  .meta({ description: 'A rotating dump of the audit events the consumer receives (before filtering); feed it back with kelemetry replay FILE --webhook URL.' });
