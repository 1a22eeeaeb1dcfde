// The mocha runner VS Code loads inside the extension host (its path is the `extensionTestsPath` of
// the test payload). It runs every compiled `*.test.js` next to it, so adding a test file to
// test/integration is all it takes to add tests. Counts go to TEST_RESULTS_FILE through the shared
// counting reporter; one `[mocha] …` line per test goes to the console, which the harness relays.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import { repoRoot } from '../support/paths';

function findTests(dir: string): string[] {
	return readdirSync(dir)
		.sort()
		.flatMap(name => {
			const path = join(dir, name);
			return statSync(path).isDirectory() ? findTests(path) : name.endsWith('.test.js') ? [path] : [];
		});
}

export function run(): Promise<void> {
	// Loaded from the repo at run time (not bundled): the unit layer uses the very same reporter file.
	const CountingReporter = require(join(repoRoot(), 'test', 'support', 'countingReporter.cjs')) as typeof Mocha.reporters.Base;
	Mocha.reporters.Base.useColors = false;
	const mocha = new Mocha({ ui: 'bdd', reporter: CountingReporter, color: false, timeout: 60_000, slow: 5_000 });
	const grep = process.env.MOCHA_GREP;
	if (grep) mocha.grep(new RegExp(grep));
	const files = findTests(__dirname);
	for (const file of files) mocha.addFile(file);
	console.log(`[mocha] ${files.length} test files in ${__dirname}`);

	return new Promise((resolve, reject) => {
		try {
			const runner = mocha.run(failures => {
				if (files.length === 0) reject(new Error('no integration test files found'));
				else if (failures > 0) reject(new Error(`${failures} integration tests failed`));
				else resolve();
			});
			runner.on('pass', test => console.log(`[mocha] PASS ${test.fullTitle()} (${test.duration ?? 0} ms)`));
			runner.on('fail', (test, err: unknown) => {
				const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
				console.log(`[mocha] FAIL ${test.fullTitle()}: ${message}`);
			});
			runner.on('end', () => console.log(`[mocha] ${runner.stats?.passes ?? 0} passing, ${runner.stats?.failures ?? 0} failing`));
		} catch (e) {
			// A test file that throws while loading must fail the run, not hang it.
			console.log(`[mocha] FAIL loading tests: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
			reject(e);
		}
	});
}
