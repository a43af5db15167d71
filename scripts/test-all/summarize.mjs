/**
 * Reads vitest's JSON report and prints one closing line: "N passed, N failed, N skipped, N todo".
 * With CI=true a skipped or todo test is a failure (exit 1), listed by name: no silent skip.
 */
import { readFile } from 'node:fs/promises';

const path = process.argv[2] ?? '.tmp/vitest.json';
let report;
try {
  report = JSON.parse(await readFile(path, 'utf8'));
} catch (error) {
  console.log(
    `tests: no vitest report at ${path} (${error.code ?? error.message}): vitest did not finish`,
  );
  process.exit(1);
}

const skipped = [];
for (const file of report.testResults ?? []) {
  for (const test of file.assertionResults ?? []) {
    if (['skipped', 'pending', 'todo', 'disabled'].includes(test.status)) {
      skipped.push(
        `${file.name.replace(`${process.cwd()}/`, '')} > ${test.fullName ?? test.title}`,
      );
    }
  }
}
const failedSuites = (report.testResults ?? []).filter(
  (file) =>
    file.status === 'failed' && (file.assertionResults ?? []).every((t) => t.status !== 'failed'),
).length;

// Two lines: the details, then the plain closing line CI readers look for
// ("N passed, N failed, N skipped" alone on a line, one word with a colon before it).
console.log(
  `vitest: ${report.numTotalTests} tests in ${(report.testResults ?? []).length} files, ` +
    `${report.numTodoTests} todo` +
    (failedSuites ? `, ${failedSuites} test files failed to run` : ''),
);
const failedCount = report.numFailedTests + failedSuites;
console.log(
  `tests: ${report.numPassedTests} passed, ${failedCount} failed, ${report.numPendingTests} skipped`,
);

let failed = !report.success || report.numFailedTests > 0 || failedSuites > 0;
if (process.env.CI === 'true' && skipped.length > 0) {
  console.log(`CI=true: ${skipped.length} skipped tests fail the run:`);
  for (const name of skipped) console.log(`  - ${name}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
