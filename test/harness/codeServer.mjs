// Starts code-server (a real VS Code: workbench in the browser, Node extension host on the server)
// in a fully private profile, on 127.0.0.1 only. See ../../../shared/docs/REAL-VSCODE.md for why each
// flag is here.
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { codeServerEntry, harnessEnv, HarnessError, node24 } from './harnessEnv.mjs';
import { runGroup, spawnGroup } from './processGroup.mjs';

/** A port nobody listens on right now (the OS picks it; 127.0.0.1 only). */
export function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** Settings that keep a test profile quiet and offline: no welcome page, no AI/chat setup, no git scans. */
const quietSettings = {
	'workbench.startupEditor': 'none',
	'workbench.secondarySideBar.defaultVisibility': 'hidden',
	'workbench.tips.enabled': false,
	'workbench.enableExperiments': false,
	'workbench.welcomePage.walkthroughs.openOnInstall': false,
	'telemetry.telemetryLevel': 'off',
	'update.mode': 'none',
	'extensions.autoCheckUpdates': false,
	'extensions.autoUpdate': false,
	'extensions.ignoreRecommendations': true,
	'security.workspace.trust.enabled': false,
	'chat.disableAIFeatures': true,
	'git.enabled': false,
	'git.autoRepositoryDetection': false,
	'npm.autoDetect': 'off',
	'typescript.tsserver.experimental.enableProjectDiagnostics': false,
};

/**
 * The private directories of one profile: HOME and XDG_* (code-server writes there even for
 * `--version`), user data (settings, SecretStorage, state) and extensions.
 */
export function profileDirs(root) {
	const dirs = {
		root,
		home: join(root, 'home'),
		userData: join(root, 'user-data'),
		extensions: join(root, 'extensions'),
		xdgConfig: join(root, 'xdg', 'config'),
		xdgData: join(root, 'xdg', 'data'),
		xdgCache: join(root, 'xdg', 'cache'),
		xdgState: join(root, 'xdg', 'state'),
		config: join(root, 'code-server.yaml'),
	};
	for (const [key, dir] of Object.entries(dirs)) if (key !== 'config') mkdirSync(dir, { recursive: true });
	const settingsDir = join(dirs.userData, 'User');
	mkdirSync(settingsDir, { recursive: true });
	const settingsFile = join(settingsDir, 'settings.json');
	if (!existsSync(settingsFile)) writeFileSync(settingsFile, JSON.stringify(quietSettings, null, '\t'));
	return dirs;
}

/** Environment of every code-server process: Node 24 first on PATH, private HOME/XDG, no gallery. */
export function codeServerEnv(dirs, extra = {}) {
	const env = {};
	for (const [k, v] of Object.entries(process.env)) {
		// A harness started from inside VS Code must not leak that VS Code's IPC hooks into ours.
		if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') continue;
		env[k] = v;
	}
	return {
		...env,
		PATH: `${join(harnessEnv.NODE24_HOME, 'bin')}:${process.env.PATH ?? ''}`,
		HOME: dirs.home,
		XDG_CONFIG_HOME: dirs.xdgConfig,
		XDG_DATA_HOME: dirs.xdgData,
		XDG_CACHE_HOME: dirs.xdgCache,
		XDG_STATE_HOME: dirs.xdgState,
		// An empty gallery: the server never calls the marketplace / Open VSX.
		EXTENSIONS_GALLERY: '{}',
		...extra,
	};
}

function commonArgs(dirs) {
	return ['--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--disable-telemetry', '--disable-update-check'];
}

/** Installs a .vsix into the profile's extensions dir with code-server's own CLI. */
export async function installVsix(dirs, vsixPath, logFile) {
	writeFileSync(dirs.config, 'auth: none\ncert: false\n');
	const result = await runGroup(node24, [codeServerEntry, ...commonArgs(dirs), '--install-extension', vsixPath, '--force'], {
		env: codeServerEnv(dirs),
		logFile,
		timeoutMs: 120_000,
	});
	if (result.code !== 0) {
		throw new HarnessError(`code-server --install-extension ${vsixPath} exited ${result.code ?? result.signal}${result.timedOut ? ' (timed out)' : ''}; log: ${logFile}`);
	}
}

/**
 * Starts code-server and resolves once it answers HTTP. `smokeTestDriver` turns on the hook that
 * makes a built workbench honour the `?payload=` dev/test URL (only the integration run needs it;
 * it also suppresses toasts and dialogs, so the e2e run leaves it off).
 */
export async function startCodeServer({ dirs, logFile, smokeTestDriver = false, folder, env = {}, port, startTimeoutMs = 90_000 }) {
	const chosenPort = port ?? (await freePort());
	writeFileSync(dirs.config, `bind-addr: 127.0.0.1:${chosenPort}\nauth: none\ncert: false\n`);
	const args = [
		codeServerEntry,
		'--bind-addr',
		`127.0.0.1:${chosenPort}`,
		'--auth',
		'none',
		...commonArgs(dirs),
		'--disable-workspace-trust',
		'--disable-getting-started-override',
		'--ignore-last-opened',
		...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
		...(folder ? [folder] : []),
	];
	const handle = spawnGroup(node24, args, { env: codeServerEnv(dirs, env), logFile });
	const url = `http://127.0.0.1:${chosenPort}`;
	const deadline = Date.now() + startTimeoutMs;
	let exited;
	handle.exited.then(r => (exited = r));
	for (;;) {
		if (exited) {
			throw new HarnessError(`code-server exited (${exited.code ?? exited.signal}) before answering on ${url}: ${tail(logFile)}`);
		}
		try {
			const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
			if (res.ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			await handle.stop();
			throw new HarnessError(`code-server did not answer on ${url} within ${startTimeoutMs / 1000} s; log: ${logFile}`);
		}
		await new Promise(r => setTimeout(r, 250));
	}
	return { url, port: chosenPort, handle, stop: () => handle.stop() };
}

/** The last meaningful line of a log, for one-line failure reasons. */
export function tail(logFile, lines = 1) {
	try {
		const text = readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean);
		return text.slice(-lines).join(' | ') || '(empty log)';
	} catch {
		return '(no log)';
	}
}
