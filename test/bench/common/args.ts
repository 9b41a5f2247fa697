/**
 * Command-line options of a benchmark: `--name value` or `--name=value`, and switches without a value.
 * Unknown options are refused, so a typo does not silently run the default (often minutes-long) settings.
 */
export class BenchArgs {
  private readonly values = new Map<string, string>();

  /** `valued` and `switches` are option names without the leading `--`. */
  constructor(args: string[], valued: readonly string[], switches: readonly string[] = []) {
    for (let i = 0; i < args.length; i++) {
      const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
      const name = flag.replace(/^--/, '');
      if (switches.includes(name) && inline === undefined) this.values.set(name, '');
      else if (valued.includes(name)) {
        const value = inline ?? args[++i];
        if (value === undefined) throw new Error(`${flag} needs a value`);
        this.values.set(name, value);
      } else throw new Error(`unknown option ${flag}`);
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    return this.values.get(name) ?? fallback;
  }

  number(name: string, fallback: number): number {
    const v = this.values.get(name);
    return v === undefined ? fallback : Number(v);
  }

  positiveInteger(name: string, fallback: number): number {
    const v = this.values.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} wants a positive integer, got ${v}`);
    return n;
  }

  /** A comma-separated list. */
  list(name: string, fallback: string): string[] {
    return this.string(name, fallback).split(',');
  }
}
