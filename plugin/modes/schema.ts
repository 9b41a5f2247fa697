/** The display-mode file (spec 8.7): base modes, reusable step batches, and modifiers that derive more modes. */
import { z } from 'zod';
import { stringFilterSchema } from '../transform/stringFilter.ts';

const hexId = z.string().regex(/^[0-9a-fA-F]{1,8}$/, 'want up to 8 hex digits, e.g. "20000000"');

const diffClass = z.object({
  shouldDisplay: z.boolean().default(true),
  name: z.string().default(''),
  priority: z.number().int().default(0),
});

export const stepSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('Batch'), batchName: z.string().min(1) }),
  z.object({ kind: z.literal('PruneChildlessVisitor') }),
  z.object({ kind: z.literal('ReplaceNameVisitor') }),
  z.object({ kind: z.literal('ObjectTagsVisitor'), resourceTags: z.array(z.string()).default([]) }),
  z.object({
    kind: z.literal('ServiceOperationReplaceVisitor'),
    traceSource: z.string().min(1),
    dest: z.enum(['service', 'operation']),
    source: z.array(z.string()).min(1),
  }),
  z.object({ kind: z.literal('ClusterNameVisitor') }),
  z.object({ kind: z.literal('PruneTagsVisitor') }),
  z.object({ kind: z.literal('ExtractNestingVisitor'), matchesPseudoType: stringFilterSchema.optional() }),
  z.object({
    kind: z.literal('CollapseNestingVisitor'),
    shouldCollapse: stringFilterSchema.optional(),
    tagMappings: z.record(z.string(), z.array(z.object({ fromSpanTag: z.string(), toLogField: z.string() }))).default({}),
    auditDiffClasses: z
      .object({
        default: diffClass.prefault({}),
        fields: z
          .array(
            z.preprocess(
              // The original's file (hack/tfconfig.yaml) names the list `fields`; accept it as `paths`.
              (f) => (f && typeof f === 'object' && !('paths' in f) && 'fields' in f ? { ...f, paths: (f as { fields: unknown }).fields } : f),
              z.object({ paths: z.array(z.string()).min(1), class: diffClass }),
            ),
          )
          .default([]),
      })
      .prefault({}),
    logTypeMapping: z.record(z.string(), z.string()).default({}),
  }),
  z.object({ kind: z.literal('CompactDurationVisitor') }),
  z.object({ kind: z.literal('GroupByTraceSourceVisitor'), shouldBeGrouped: stringFilterSchema.optional() }),
]);
export type StepConfig = z.output<typeof stepSchema>;

export const modifierSchema = z.object({
  /** Modifiers apply in ascending priority (0 when omitted, as in the original). */
  priority: z.number().int().default(0),
  /** Shown in the mode name: `tracing [full tree]`. */
  displayName: z.string().min(1),
  /** `link-selector` (links to follow, spec 8.8) or `extension` (spans of other trace sources, spec 8.9; see plugin/extensions). */
  modifierName: z.enum(['link-selector', 'extension']),
  args: z.unknown(),
});

export const modeFileSchema = z
  .object({
    defaultConfig: hexId,
    batches: z.array(z.object({ name: z.string().min(1), steps: z.array(stepSchema) })).default([]),
    configs: z.array(z.object({ id: hexId, name: z.string().min(1), steps: z.array(stepSchema) })).min(1),
    modifiers: z.record(hexId, modifierSchema).default({}),
  })
  .superRefine((file, ctx) => {
    const ids = new Set<number>();
    file.configs.forEach((c, i) => {
      const id = parseInt(c.id, 16);
      if (ids.has(id)) ctx.addIssue({ code: 'custom', path: ['configs', i, 'id'], message: `duplicate display mode id ${c.id}` });
      ids.add(id);
    });
    if (!ids.has(parseInt(file.defaultConfig, 16))) ctx.addIssue({ code: 'custom', path: ['defaultConfig'], message: `no config has id ${file.defaultConfig}` });
  });
export type ModeFile = z.output<typeof modeFileSchema>;
