/**
 * Ends every jest run with one plain line, `N passed, N failed, N skipped`, that CI systems and people can
 * read without knowing jest's format. It is written when the process exits, so it comes after jest's own
 * summary (stderr writes are synchronous, so nothing is lost at exit).
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const line = `${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`;
    process.once('exit', () => process.stderr.write(line));
  }
}

module.exports = SummaryReporter;
