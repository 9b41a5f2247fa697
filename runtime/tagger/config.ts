/** Settings of the resource tagger (spec 4.7), part of the `tracer` section: every span writer applies them. */
import { z } from 'zod';
import { parseTagMapping } from './mapping.ts';

export const resourceTagsSection = z.object({
  /** `resource[.group]#tag:path[;tag:path...]`; the original's default tags pods with their node. */
  mapping: z
    .array(z.string().min(1))
    .default(['pods#nodes:spec.nodeName'])
    .superRefine((entries, ctx) => {
      try {
        parseTagMapping(entries);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /** Tag new object spans from the object's JSON when the event that created them carried it. */
  objectSpans: z.boolean().default(true),
  /** Tag audit spans whose verb is in `eventVerbs`, from the response object. */
  eventSpans: z.boolean().default(true),
  /** The original tags `create` only; a Pod's node is known only from its binding on, so updates and patches too. */
  eventVerbs: z.array(z.string()).default(['create', 'update', 'patch']),
});

export type ResourceTagsConfig = z.output<typeof resourceTagsSection>;
