/** What a diagnosis check reports: one key figure, what it means, and how to fix it when it looks wrong. */
export interface Finding {
  /** Stable identifier, e.g. `auditRequests`; the operator keys conditions and reasons on it. */
  id: string;
  ok: boolean;
  /** The key number (e.g. audit requests received). */
  figure: number;
  /** One line a person reads, e.g. "received 1520 audit webhook requests in the last 5m". */
  message: string;
  /** A concrete next step when !ok; '' otherwise. */
  suggestion: string;
  /** True when none of the scraped processes exports the metrics this check reads (not a problem by itself). */
  absent?: boolean;
}

export interface DiagnoseContext {
  /**
   * Where kube-apiservers should send audit events (the instance status's webhook URL), quoted in the
   * suggestion when none arrive.
   */
  auditEndpoint?: string;
  /** Length of the window the figures cover, when they are increases since an earlier scrape. */
  windowSeconds?: number;
  /** The time of the scrape (tests); now by default. */
  nowMs?: number;
}
