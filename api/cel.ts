/**
 * Cross-field rules. The API server evaluates them as CEL (`x-kubernetes-validations`, after
 * defaulting); `kelemetry synth` has no API server in front of it, so each schema file next to its
 * rules also has their TypeScript twin, reporting the same message (all run by crossFieldIssues in
 * schema/spec.ts).
 */
export interface Rule {
  rule: string;
  message: string;
}

/** Attaches CEL rules to a schema node: `.meta(cel(...))`. */
export const cel = (...rules: Rule[]) => ({ 'x-kubernetes-validations': rules });

/** The twin's report of a broken rule: `path: message` when `broken`, as the API server words it. */
export const brokenAt = (broken: boolean, path: string, message: string): string[] => (broken ? [`${path}: ${message}`] : []);
