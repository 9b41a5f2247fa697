/** `kelemetry run --config FILE`: placeholder until the runtime wiring lands (runtime/app). */
export async function run(_args: string[]): Promise<number> {
  console.error('kelemetry run: not implemented yet');
  return 1;
}
