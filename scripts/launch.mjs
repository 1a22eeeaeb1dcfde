// `npm run launch`: the product as a user gets it. Installs the real-VS-Code harness on first use
// (test/harness/setup.sh: Node 24 + code-server, a few minutes once, with progress), builds and
// packages the .vsix, installs it into a kept code-server profile, and serves VS Code on 127.0.0.1
// with a COPY of sample-workspace/ open. Prints the URL; Ctrl-C stops code-server and everything it
// started (its whole process group).
//
// What is kept between launches (in .harness/launch/ of this checkout, git-ignored):
//   profile/     settings, UI state, the installed extension, and the server half of the key that
//                encrypts SecretStorage (API keys)
//   workspace/   the copy of sample-workspace/ — edits and autosaves land here, never in the tracked folder
//   port         the port of the last launch: the browser keeps SecretStorage per address
//                (http://127.0.0.1:PORT), so the same port means the same keys
//
//   npm run launch                    the last port (8080 the first time), or a free one if it is taken
//   npm run launch -- --port 9000     (or PORT=9000 npm run launch)
//   npm run launch -- --fresh         start over: a new profile (settings, keys) and a new copy of the samples
// Env: AGENT_COST_LAUNCH_DIR keeps the launch state elsewhere (the tests use it); --vsix FILE installs
// a prebuilt package instead of packaging this checkout.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageVsix } from './package.mjs';

const root = resolve(import.meta.dirname, '..');
const fail = message => {
	console.error(`launch: FAILED — ${message}`);
	process.exit(1);
};
const arg = name => {
	const i = process.argv.indexOf(name);
	return i > 0 ? process.argv[i + 1] : undefined;
};

// The harness modules read env.sh at import time; install first so they see a complete harness.
const envOut = spawnSync('bash', ['-c', '. "$0" && printf "%s\\n%s" "$CODE_SERVER_DIR" "$NODE24_HOME"', join(root, 'test', 'harness', 'env.sh')], { encoding: 'utf8' }).stdout.split('\n');
if (!existsSync(join(envOut[0], '.installed')) || !existsSync(join(envOut[1], 'bin', 'node'))) {
	console.log('launch: first run — installing Node 24 and code-server (test/harness/setup.sh; 2–4 minutes, progress below)…');
	const setup = spawnSync('bash', [join(root, 'test', 'harness', 'setup.sh')], { stdio: 'inherit' });
	if (setup.status !== 0) fail('test/harness/setup.sh failed (see above)');
}

const { requireInstalled, sampleWorkspace } = await import('../test/harness/harnessEnv.mjs');
const { installVsix, profileDirs, startCodeServer } = await import('../test/harness/codeServer.mjs');
const { installCleanupHandlers, shuttingDown } = await import('../test/harness/processGroup.mjs');

/** Per checkout (not in a shared HARNESS_ROOT): this launch's profile, workspace copy and port. */
const stateDir = resolve(process.env.AGENT_COST_LAUNCH_DIR ?? join(root, '.harness', 'launch'));
const portFile = join(stateDir, 'port');

function portIsFree(port) {
	return new Promise(resolve => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/** `undefined`: let the OS pick. */
async function choosePort() {
	const asked = arg('--port') ?? process.env.PORT;
	if (asked !== undefined) {
		const port = Number(asked);
		if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be 1–65535, got ${asked}`);
		if (!(await portIsFree(port))) fail(`port ${port} on 127.0.0.1 is in use; choose another with --port`);
		return port;
	}
	const saved = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) : undefined;
	const wanted = Number.isInteger(saved) && saved > 0 ? saved : 8080;
	if (await portIsFree(wanted)) return wanted;
	console.log(
		`launch: port ${wanted} is in use, so another one is used. The browser keeps VS Code's secret storage (API keys) per address: keys set at http://127.0.0.1:${wanted} show up there again once that port is free (or pass --port ${wanted}).`,
	);
	return undefined;
}

/** The workspace copy: made once from sample-workspace/ (again with --fresh); edits stay in it. */
function workspaceCopy(fresh) {
	const copy = join(stateDir, 'workspace');
	if (fresh || !existsSync(copy)) {
		rmSync(copy, { recursive: true, force: true });
		cpSync(sampleWorkspace, copy, { recursive: true });
		console.log(`launch: copied sample-workspace/ to ${copy}`);
	}
	return copy;
}

async function main() {
	installCleanupHandlers();
	requireInstalled({ chromium: false });
	const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
	const fresh = process.argv.includes('--fresh');
	if (fresh) {
		rmSync(join(stateDir, 'profile'), { recursive: true, force: true });
		console.log('launch: --fresh: a new profile (settings, API keys, UI state) and a new copy of the sample workspace');
	}
	mkdirSync(stateDir, { recursive: true });
	const folder = workspaceCopy(fresh);
	const port = await choosePort();

	let vsix = arg('--vsix') && resolve(arg('--vsix'));
	if (vsix) {
		if (!existsSync(vsix)) fail(`--vsix ${vsix} does not exist`);
	} else {
		console.log('launch: building and packaging the extension…');
		vsix = packageVsix({ out: join(stateDir, `${manifest.name}-${manifest.version}.vsix`), quiet: true }).vsix;
		console.log(`launch: packaged ${vsix}`);
	}
	// A kept profile: settings, SecretStorage's server key half and UI state survive between launches.
	const dirs = profileDirs(join(stateDir, 'profile'));
	await installVsix(dirs, vsix, join(dirs.root, 'install.log'));
	console.log(`launch: installed ${manifest.publisher}.${manifest.name} ${manifest.version} into ${dirs.extensions}`);

	const server = await startCodeServer({ dirs, logFile: join(dirs.root, 'code-server.log'), folder, port });
	writeFileSync(portFile, `${server.port}\n`);
	const url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
	console.log('');
	console.log(`  Agent Cost Lens is running in VS Code (code-server) at:  ${url}`);
	console.log(`  workspace: ${folder} (a copy of sample-workspace/; --fresh makes a new one)`);
	console.log(`  profile:   ${dirs.root} (kept between launches, API keys included; --fresh starts over)`);
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
