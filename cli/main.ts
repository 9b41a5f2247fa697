/**
 * The `kelemetry` command: one binary for every role. Each subcommand lives in cli/commands/<name>.ts
 * and exports `run(args: string[]): Promise<number>` (the exit code).
 */
const commands: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  run: { summary: 'run the components enabled in a config file (kelemetry run --config FILE)', load: () => import('./commands/run.ts') },
  synth: { summary: 'print static manifests for an instance (kelemetry synth -f instance.yaml)', load: () => import('./commands/synth.ts') },
  trace: { summary: 'print the trace of an object (kelemetry trace deployments/demo)', load: () => import('./commands/trace.ts') },
  operator: { summary: 'run the KelemetryInstance operator (kelemetry operator --leader-elect)', load: () => import('./commands/operator.ts') },
  'audit-webhook-config': {
    summary: "print kube-apiserver's --audit-webhook-config-file for an instance (kelemetry audit-webhook-config --instance NS/NAME)",
    load: () => import('./commands/auditWebhookConfig.ts'),
  },
  replay: { summary: 'post an audit dump back to an audit webhook (kelemetry replay FILE --webhook URL)', load: () => import('./commands/replay.ts') },
  scan: { summary: 'check a running installation from its metrics (kelemetry scan --url http://127.0.0.1:9090/metrics)', load: () => import('./commands/scan.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: kelemetry <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'kelemetry <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`kelemetry: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(rest);
}

// `kelemetry trace … | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`kelemetry: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
});
