/**
 * A real headless browser for page tests: Debian's `chromium` (scripts/test.sh installs it), one throwaway
 * profile per call. A missing browser fails the test with what to install; it never skips.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The chromium binary on $PATH; throws a message that says how to install it. */
export function findChromium(path = process.env.PATH ?? ''): string {
  for (const name of ['chromium', 'chromium-browser']) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  throw new Error('chromium is not installed, and the page tests need a real browser: apt-get install -y --no-install-recommends chromium (scripts/test.sh installs it)');
}

/** Loads `url` (following redirects) in headless chromium and returns the DOM as serialised after load. */
export async function dumpDom(chromium: string, url: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'kelemetry-chromium-'));
  try {
    // --no-sandbox: tests run as root, where chromium's sandbox refuses to start.
    const args = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', url];
    const { stdout } = await run(chromium, args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    throw new Error(`chromium --dump-dom ${url}: ${(err as Error).message}`, { cause: err });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
