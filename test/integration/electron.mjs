// `npm run test:electron`: the same integration runner in DESKTOP VS Code (Electron), through
// @vscode/test-electron. It downloads VS Code from update.code.visualstudio.com, so it only works on
// a machine with internet access (and, on Linux without a display, under xvfb-run). The machines
// this project is built on reach only the npm registry and Debian apt: there the download fails and
// this script says so — use `npm run test:integration` (code-server, same runner) instead.
//
// Env: VSCODE_VERSION (default "stable"), VSCODE_EXECUTABLE (use an installed VS Code, no download).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const runner = join(root, 'out', 'test', 'integration', 'index.js');
const resultsFile = process.env.TEST_RESULTS_FILE ?? join(root, 'test-results', 'electron.json');
const fail = message => {
	console.error(`test:electron: ${message}`);
	process.exit(1);
};

const { downloadAndUnzipVSCode, runTests } = await import('@vscode/test-electron');

const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) fail('`node esbuild.mjs` failed');
if (!existsSync(runner)) fail(`runner ${runner} missing after the build`);

let executable = process.env.VSCODE_EXECUTABLE;
if (!executable) {
	try {
		executable = await downloadAndUnzipVSCode({ version: process.env.VSCODE_VERSION ?? 'stable', cachePath: join(root, '.harness', 'vscode-test'), timeout: 30_000 });
	} catch (e) {
		fail(
			`could not download VS Code (${e instanceof Error ? e.message.split('\n')[0] : String(e)}).\n` +
				'  This machine cannot reach update.code.visualstudio.com, so desktop VS Code cannot run here.\n' +
				'  Use `npm run test:integration`: the same runner inside code-server (a real VS Code server + browser workbench).',
		);
	}
}

rmSync(resultsFile, { force: true });
let code;
try {
	code = await runTests({
		vscodeExecutablePath: executable,
		extensionDevelopmentPath: root,
		extensionTestsPath: runner,
		extensionTestsEnv: { TEST_RESULTS_FILE: resultsFile },
		launchArgs: [join(root, 'sample-workspace'), '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
	});
} catch (e) {
	fail(`VS Code exited with ${e instanceof Error ? e.message : String(e)} (on Linux without a display, run under xvfb-run)`);
}
if (!existsSync(resultsFile)) fail(`the runner wrote no results to ${resultsFile}`);
const { passed, failed } = JSON.parse(readFileSync(resultsFile, 'utf8'));
console.log(`test:electron: ${passed} passed, ${failed} failed`);
process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
