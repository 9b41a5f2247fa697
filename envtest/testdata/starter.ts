/**
 * Test fixture (lifetime.test.ts): starts one "server" (the command in argv) with startProcess, prints
 * `ready <pid>`, then runs attached as the quickstart does: waits for a stop signal and stops everything.
 * `node --import tsx envtest/testdata/starter.ts tied|detached <command> [args…]`
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepProcessesAfterExit, startProcess } from '../process.ts';
import { shutDown, trapStopSignals } from '../signals.ts';

const [mode, command, ...args] = process.argv.slice(2);
if (mode === 'detached') keepProcessesAfterExit();
const say = (line: string) => process.stdout.write(`${line}\n`);
const signals = trapStopSignals(say);
const record = startProcess({ name: 'server', command: command!, args, logDir: mkdtempSync(join(tmpdir(), 'kelemetry-starter-')) });
say(`ready ${record.pid}`);
await shutDown(await signals.received, say);
process.exit(0);
