// `npm test`: every layer, one verdict. Stages run in order and all of them run even after a
// failure (so one report shows everything); each stage's counts come from its results JSON in
// test-results/, which is deleted first so a stale file can never count. A stage that crashes, times
// out or exits non-zero without reporting a failure counts one extra failure — never a silent zero.
// Type check and build count as one check each. The LAST line is always `N passed, N failed`.
//
//   npm test                         all stages
//   node scripts/testAll.mjs unit integration     only these stages (others are listed as skipped)
// Env: TEST_TIMEOUT_SCALE multiplies every stage timeout (e.g. 2 on a slow or busy machine).
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installCleanupHandlers, runGroup } from '../test/harness/processGroup.mjs';

const root = resolve(import.meta.dirname, '..');
const results = join(root, 'test-results');
const scale = Number(process.env.TEST_TIMEOUT_SCALE ?? 1) || 1;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const node = process.execPath;

/** `results`: the JSON a stage writes ({ passed, failed }); without one, the exit code is the single check. */
const stages = [
	{ name: 'typecheck', command: [npm, 'run', '-s', 'typecheck'], timeoutMs: 300_000 },
	// Promise mistakes and the import boundaries of docs/ARCHITECTURE.md (eslint.config.mjs).
	{ name: 'lint', command: [npm, 'run', '-s', 'lint'], timeoutMs: 420_000 },
	{ name: 'format', command: [npm, 'run', '-s', 'format:check'], timeoutMs: 120_000 },
	{ name: 'build', command: [node, 'esbuild.mjs'], timeoutMs: 120_000 },
	{ name: 'unit', command: [node, 'scripts/runUnit.mjs'], results: 'unit.json', timeoutMs: 900_000 },
	{ name: 'integration', command: [node, 'test/harness/runIntegration.mjs', '--no-build'], results: 'integration.json', timeoutMs: 420_000 },
	{ name: 'e2e', command: [node, 'test/harness/runE2e.mjs'], results: 'e2e.json', timeoutMs: 660_000 },
];

function readCounts(file) {
	try {
		const json = JSON.parse(readFileSync(file, 'utf8'));
		if (Number.isInteger(json.passed) && Number.isInteger(json.failed)) return { ...json, failures: Array.isArray(json.failures) ? json.failures : [] };
	} catch {
		// missing or half-written: the stage did not finish reporting
	}
	return undefined;
}

async function runStage(stage) {
	const resultsFile = stage.results ? join(results, stage.results) : undefined;
	if (resultsFile) rmSync(resultsFile, { force: true });
	const timeoutMs = stage.timeoutMs * scale;
	console.log(`\n━━ ${stage.name} ━━ ${stage.command.slice(1).join(' ')}`);
	const started = Date.now();
	const run = await runGroup(stage.command[0], stage.command.slice(1), {
		cwd: root,
		inherit: true,
		timeoutMs,
		env: { ...process.env, ...(resultsFile ? { TEST_RESULTS_FILE: resultsFile } : {}) },
	});
	const seconds = (Date.now() - started) / 1000;
	const exit = run.timedOut ? `timed out after ${timeoutMs / 1000} s` : run.error ? `could not start: ${run.error.message}` : `exit ${run.code ?? run.signal}`;
	const ok = !run.timedOut && run.code === 0;
	let passed;
	let failed;
	let note = '';
	let failures = [];
	if (!resultsFile) {
		passed = ok ? 1 : 0;
		failed = ok ? 0 : 1;
	} else {
		const counts = existsSync(resultsFile) ? readCounts(resultsFile) : undefined;
		if (!counts) {
			passed = 0;
			failed = 1;
			note = `no results file (${exit})`;
		} else {
			passed = counts.passed;
			failed = counts.failed;
			failures = counts.failures;
			if (!ok && failed === 0) {
				failed = 1;
				note = `reported no failure but ${exit}`;
			} else if (ok && passed === 0 && failed === 0) {
				failed = 1;
				note = 'ran no tests';
			}
		}
	}
	if (!ok && !note) note = exit;
	return { name: stage.name, passed, failed, seconds, note, failures };
}

async function main() {
	installCleanupHandlers();
	mkdirSync(results, { recursive: true });
	const wanted = process.argv.slice(2);
	const unknown = wanted.filter(w => !stages.some(s => s.name === w));
	if (unknown.length) {
		console.error(`testAll: unknown stage(s) ${unknown.join(', ')}; stages: ${stages.map(s => s.name).join(', ')}`);
		process.exit(2);
	}
	const selected = wanted.length ? stages.filter(s => wanted.includes(s.name)) : stages;
	const started = Date.now();
	const outcomes = [];
	if (selected.some(s => s.name === 'integration' || s.name === 'e2e')) {
		// Installs Node 24 + code-server into .harness/ on first use (minutes, once); a no-op afterwards.
		console.log('━━ harness ━━ bash test/harness/setup.sh');
		const t0 = Date.now();
		const setup = await runGroup('bash', ['test/harness/setup.sh'], { cwd: root, inherit: true, timeoutMs: 1_200_000 * scale });
		if (setup.code !== 0)
			outcomes.push({ name: 'harness', passed: 0, failed: 1, seconds: (Date.now() - t0) / 1000, note: setup.timedOut ? 'setup timed out' : `setup.sh exit ${setup.code ?? setup.signal}` });
	}
	if (selected.some(s => s.name === 'unit')) {
		// The real Claude Code and Codex CLIs the gateway's unit tests drive (~760 MB, installed once into
		// .harness/agents); if this fails, those tests fail too — they never pass without the agents.
		console.log('━━ agents ━━ bash test/harness/setupAgents.sh');
		const t0 = Date.now();
		const agents = await runGroup('bash', ['test/harness/setupAgents.sh'], { cwd: root, inherit: true, timeoutMs: 900_000 * scale });
		if (agents.code !== 0)
			outcomes.push({
				name: 'agents',
				passed: 0,
				failed: 1,
				seconds: (Date.now() - t0) / 1000,
				note: agents.timedOut ? 'setupAgents.sh timed out' : `setupAgents.sh exit ${agents.code ?? agents.signal}`,
			});
	}
	for (const stage of selected) outcomes.push(await runStage(stage));

	console.log('\n━━ summary ━━');
	for (const o of outcomes) {
		console.log(
			`${o.failed ? 'FAIL' : 'ok  '} ${o.name.padEnd(12)} ${String(o.passed).padStart(5)} passed ${String(o.failed).padStart(3)} failed  ${o.seconds.toFixed(1).padStart(6)} s${o.note ? `  (${o.note})` : ''}`,
		);
	}
	// Repeated here because CI logs are often read from the tail: the failing tests' names must be
	// visible without scrolling back through thousands of lines of spec output.
	for (const o of outcomes) {
		for (const f of (o.failures ?? []).slice(0, 20)) console.log(`  ✗ ${o.name}: ${f.title} — ${String(f.error ?? '').slice(0, 300)}`);
	}
	const skipped = stages.filter(s => !selected.includes(s)).map(s => s.name);
	if (skipped.length) console.log(`skipped: ${skipped.join(', ')}`);
	console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
	const passed = outcomes.reduce((n, o) => n + o.passed, 0);
	const failed = outcomes.reduce((n, o) => n + o.failed, 0);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed === 0 ? 0 : 1);
}

main().catch(e => {
	console.error(`testAll: crashed — ${e instanceof Error ? e.stack : String(e)}`);
	console.log('0 passed, 1 failed');
	process.exit(1);
});
