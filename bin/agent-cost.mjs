#!/usr/bin/env node
// `agent-cost` from a clone (`npx agent-cost …` after `npm ci`, or `npm link`): builds dist/cli.js
// when it is missing or older than the sources, then runs it. Building on first use rather than in
// an npm `prepare` script keeps `npm ci` fast and means the command never runs a stale bundle after a
// `git pull`; the build output goes to stderr so `--json` on stdout stays clean.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'cli.js');

/** The newest modification time under a folder (0 when it does not exist, e.g. an installed package). */
function newest(dir) {
	let latest = 0;
	let entries;
	try {
		entries = readdirSync(dir, { withFileTypes: true });
	} catch {
		return 0;
	}
	for (const e of entries) {
		const path = join(dir, e.name);
		latest = Math.max(latest, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
	}
	return latest;
}

const built = existsSync(cli) ? statSync(cli).mtimeMs : 0;
const sources = Math.max(newest(join(root, 'src')), existsSync(join(root, 'package-lock.json')) ? statSync(join(root, 'package-lock.json')).mtimeMs : 0);
if (built === 0 || sources > built) {
	if (!existsSync(join(root, 'node_modules', 'esbuild'))) {
		process.stderr.write(`agent-cost: ${built === 0 ? 'dist/cli.js is not built' : 'dist/cli.js is older than the sources'} and the build tools are missing — run \`npm ci\` in ${root}\n`);
		process.exit(1);
	}
	process.stderr.write(`agent-cost: building dist/cli.js (${built === 0 ? 'first use' : 'the sources changed'})…\n`);
	const build = spawnSync(process.execPath, [join(root, 'esbuild.mjs'), '--cli'], { cwd: root, stdio: ['ignore', 2, 2] });
	if (build.status !== 0) {
		process.stderr.write('agent-cost: the build failed (see above); `npm run build` shows the same errors\n');
		process.exit(1);
	}
}

// dist/cli.js is the launcher: it reads process.argv, runs the command and sets process.exitCode.
createRequire(import.meta.url)(cli);
