// `npm run launch`: the product as a user gets it. Installs the real-VS-Code harness on first use
// (test/harness/setup.sh: Node 24 + code-server, a few minutes once), builds and packages the .vsix,
// installs it into a cached code-server profile (.harness/launch/), and serves VS Code on
// 127.0.0.1 with sample-workspace/ open. Prints the URL; Ctrl-C stops code-server and everything it
// started (its whole process group).
//
//   npm run launch                    port 8080, or a free one if 8080 is taken
//   npm run launch -- --port 9000     (or PORT=9000 npm run launch)
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageVsix } from './package.mjs';

const root = resolve(import.meta.dirname, '..');
const fail = message => {
	console.error(`launch: FAILED — ${message}`);
	process.exit(1);
};

// The harness modules read env.sh at import time; install first so they see a complete harness.
const envOut = spawnSync('bash', ['-c', '. "$0" && printf "%s\\n%s" "$CODE_SERVER_DIR" "$NODE24_HOME"', join(root, 'test', 'harness', 'env.sh')], { encoding: 'utf8' }).stdout.split('\n');
if (!existsSync(join(envOut[0], '.installed')) || !existsSync(join(envOut[1], 'bin', 'node'))) {
	console.log('launch: first run — installing Node 24 and code-server (test/harness/setup.sh, a few minutes)…');
	const setup = spawnSync('bash', [join(root, 'test', 'harness', 'setup.sh')], { stdio: 'inherit' });
	if (setup.status !== 0) fail('test/harness/setup.sh failed (see above)');
}

const { harnessRoot, requireInstalled, sampleWorkspace } = await import('../test/harness/harnessEnv.mjs');
const { installVsix, profileDirs, startCodeServer } = await import('../test/harness/codeServer.mjs');
const { installCleanupHandlers, shuttingDown } = await import('../test/harness/processGroup.mjs');

function portIsFree(port) {
	return new Promise(resolve => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

async function choosePort() {
	const i = process.argv.indexOf('--port');
	const asked = i > 0 ? process.argv[i + 1] : process.env.PORT;
	if (asked !== undefined) {
		const port = Number(asked);
		if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be 1–65535, got ${asked}`);
		if (!(await portIsFree(port))) fail(`port ${port} on 127.0.0.1 is in use; choose another with --port`);
		return port;
	}
	return (await portIsFree(8080)) ? 8080 : undefined; // undefined: let the OS pick
}

async function main() {
	installCleanupHandlers();
	requireInstalled({ chromium: false });
	const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
	const port = await choosePort();

	const { vsix } = packageVsix({ out: join(harnessRoot, 'launch', `${manifest.name}-${manifest.version}.vsix`), quiet: true });
	console.log(`launch: packaged ${vsix}`);
	// A persistent profile: settings, SecretStorage (API keys) and UI state survive between launches.
	const dirs = profileDirs(join(harnessRoot, 'launch', 'profile'));
	await installVsix(dirs, vsix, join(dirs.root, 'install.log'));
	console.log(`launch: installed ${manifest.publisher}.${manifest.name} ${manifest.version} into ${dirs.extensions}`);

	const server = await startCodeServer({ dirs, logFile: join(dirs.root, 'code-server.log'), folder: sampleWorkspace, port });
	const url = `${server.url}/?folder=${encodeURIComponent(sampleWorkspace)}`;
	console.log('');
	console.log(`  Agent Cost Lens is running in VS Code (code-server) at:  ${url}`);
	console.log(`  workspace: ${sampleWorkspace}`);
	console.log(`  log: ${join(dirs.root, 'code-server.log')}`);
	console.log('  Press Ctrl-C to stop.');
	console.log('');
	const { code, signal } = await server.handle.exited;
	if (shuttingDown()) {
		console.log('launch: stopped code-server and its process group');
		return new Promise(() => {}); // the signal handler exits once every group is gone
	}
	fail(`code-server stopped by itself (${code ?? signal}); see ${join(dirs.root, 'code-server.log')}`);
}

main().catch(e => fail(e instanceof Error ? e.message : String(e)));
