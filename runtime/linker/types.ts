/** A linker finds the objects related to one object (spec 4.4): its owner, its annotated parent… */
import type { RichObject } from '../aggregator/types.ts';

export interface LinkResult {
  /** The linked object (its trace gets the backward link span). */
  object: RichObject;
  /** What the linked object is to the job's object: `parent` or `child`. */
  role: 'parent' | 'child';
  /** Link class shown by the UI (e.g. `children`), "" for none. */
  class: string;
  /** Distinguishes the link pseudo spans of one object in one window. */
  dedupId: string;
}

export interface Linker {
  name: string;
  lookup(object: RichObject): Promise<LinkResult[]>;
  /**
   * The part of an object's JSON the lookup depends on (e.g. its owner references), compared between
   * events of one window so an unchanged object is not looked up again. Absent: always look up.
   */
  inputOf?(raw: Record<string, unknown>): unknown;
}

/** Where linkers read an object's JSON when the job carries none: the apiserver (cached) or snapshots. */
export type ObjectSource = (object: RichObject) => Promise<Record<string, unknown> | undefined>;
