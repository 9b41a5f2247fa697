/** Progress lines for the environment: to stderr, so stdout stays clean for JSON and test output. */
export type Logger = (message: string) => void;

export const stderrLogger: Logger = (message) => {
  process.stderr.write(`[kelemetry env] ${message}\n`);
};

export const silentLogger: Logger = () => {};

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
