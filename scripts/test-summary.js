// Prints one closing line, "vitest: N passed, N failed, N skipped", from vitest's JSON report, so
// CI (which reads plain closing lines) knows what ran. Exits non-zero when nothing ran.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`no test report at ${file}: ${err.message}`);
  process.exit(1);
}
const { numPassedTests: passed, numFailedTests: failed, numPendingTests: pending, numTodoTests: todo } = report;
console.log(`vitest: ${passed} passed, ${failed} failed, ${pending + (todo ?? 0)} skipped`);
if (passed + failed === 0) process.exit(1);
