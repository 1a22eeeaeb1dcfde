// Mocha reporter: the usual spec output, plus a JSON file with the counts so the top-level test
// command can print one "N passed, N failed" line over every layer.
const Mocha = require('mocha');
const { writeFileSync, mkdirSync } = require('node:fs');
const { dirname } = require('node:path');

class CountingReporter extends Mocha.reporters.Spec {
	constructor(runner, options) {
		super(runner, options);
		const failures = [];
		runner.on('fail', (test, err) => failures.push({ title: test.fullTitle(), error: String(err && err.message).split('\n')[0] }));
		runner.once('end', () => {
			const file = process.env.TEST_RESULTS_FILE;
			if (!file) return;
			mkdirSync(dirname(file), { recursive: true });
			writeFileSync(file, JSON.stringify({ passed: this.stats.passes, failed: this.stats.failures, pending: this.stats.pending, failures }, null, 1));
		});
	}
}
module.exports = CountingReporter;
