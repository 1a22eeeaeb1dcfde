// Builds the .vsix in a throwaway staging folder: a production build (minified, no source maps) of a
// fresh dist/, then `@vscode/vsce package` under Node >= 22 (vsce 4 refuses older Node; the system
// Node here is 20, so it runs on the harness's Node 24, installed on demand). Staging keeps stale
// files out of the package and leaves the working tree's dist/ alone, so packaging never disturbs
// a test run that is using it. The package's file list is checked against what the extension needs —
// a package that ships sources, tests or maps fails.
//
//   npm run package            → agent-cost-lens-<version>.vsix in the repo root (git-ignored)
//   node scripts/package.mjs --out some/dir/x.vsix
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsceBin = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');

export const defaultVsixPath = join(root, `${manifest.name}-${manifest.version}.vsix`);

/** Files the package must contain. */
export const requiredFiles = [
	'package.json',
	'README.md',
	'LICENSE',
	'dist/extension.js',
	'dist/cli.js',
	'dist/cliMain.js',
	'dist/sessionsCli.js',
	'dist/tokenCounter.js',
	'dist/webview/replay.js',
	'dist/webview/replay.css',
];

/** What may ship: the manifest and docs, bundled code and webview assets. Nothing else (the README's screenshots stay in the repository). */
const allowed = [/^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/, /^dist\/[^/]+\.js$/, /^dist\/webview\/[^/]+\.(js|css|ttf)$/];
/** Named so a failure says why, not just "unexpected file". */
const forbidden = [
	[/^src\//, 'TypeScript sources'],
	[/^test\//, 'tests'],
	[/(^|\/)node_modules\//, 'node_modules'],
	[/^\.harness\//, 'the VS Code harness cache'],
	[/^out\//, 'test bundles'],
	[/^sample-workspace\//, 'the sample workspace'],
	[/fixtures\//, 'test fixtures'],
	[/\.map$/, 'source maps'],
	[/\.ts$/, 'TypeScript sources'],
	[/^(\.ci|bench|scripts|types|webview|test-results)\//, 'build/test folders'],
];

/**
 * Problems with a package's file list (paths relative to the extension root, `/`-separated);
 * an empty array means it ships exactly what it needs.
 */
export function checkPackageFiles(files) {
	const problems = [];
	const set = new Set(files);
	for (const f of requiredFiles) if (!set.has(f)) problems.push(`missing ${f}`);
	for (const f of files) {
		const bad = forbidden.find(([re]) => re.test(f));
		if (bad) problems.push(`ships ${bad[1]}: ${f}`);
		else if (!allowed.some(re => re.test(f))) problems.push(`ships an unexpected file: ${f}`);
	}
	return problems;
}

/** A Node that can run vsce (>= 22): this one, or the harness's Node 24 (installed if missing). */
export function toolingNode() {
	if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
	const find = () => {
		const out = spawnSync('bash', ['-c', '. "$0" && printf %s "$NODE24_HOME"', join(root, 'test', 'harness', 'env.sh')], { encoding: 'utf8' });
		return join(out.stdout, 'bin', 'node');
	};
	let node = find();
	if (!existsSync(node)) {
		console.log('package: vsce needs Node >= 22; installing the harness Node 24 (test/harness/setup.sh --node-only)');
		const setup = spawnSync('bash', [join(root, 'test', 'harness', 'setup.sh'), '--node-only'], { stdio: 'inherit' });
		if (setup.status !== 0) throw new Error('could not install Node 24 — run test/harness/setup.sh');
		node = find();
	}
	return node;
}

function run(command, args, what, cwd = root) {
	const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
	if (result.status !== 0) {
		process.stderr.write(result.stdout ?? '');
		process.stderr.write(result.stderr ?? '');
		throw new Error(`${what} failed (exit ${result.status ?? result.signal})`);
	}
	return result.stdout;
}

/** Files copied into the stage because they ship; everything else the build needs is symlinked. */
const shipped = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore'];

/**
 * The README as it ships: the repository's README without its screenshots. They are test
 * screenshots for people reading the repository; in the package they would be dead weight, and vsce
 * refuses relative image links without a public repository URL to rewrite them to.
 */
export function packagedReadme(text) {
	return text.replace(/^!\[[^\]]*\]\(media\/[^)]*\)\n\n?/gm, '').replace(/^\(Screenshots from the end-to-end tests[^\n]*\n\n?/m, '');
}
/** Never linked into the stage: build outputs and caches of the working tree. */
const notLinked = new Set(['dist', 'out', '.git', '.harness', 'test-results']);

/**
 * A staging folder with a fresh production dist/: the build reads sources through symlinks to the
 * working tree, then the links are removed so vsce sees only what may ship.
 */
function stage() {
	const dir = mkdtempSync(join(tmpdir(), 'agent-cost-package-'));
	for (const name of readdirSync(root)) {
		if (notLinked.has(name) || name.endsWith('.vsix') || shipped.includes(name)) continue;
		symlinkSync(join(root, name), join(dir, name));
	}
	for (const name of shipped) if (existsSync(join(root, name))) cpSync(join(root, name), join(dir, name), { recursive: true });
	writeFileSync(join(dir, 'README.md'), packagedReadme(readFileSync(join(root, 'README.md'), 'utf8')));
	const build = run(process.execPath, [join(root, 'esbuild.mjs'), '--production', '--no-tests'], 'production build', dir);
	for (const name of readdirSync(dir)) {
		if (name !== 'dist' && !shipped.includes(name)) rmSync(join(dir, name), { recursive: true, force: true });
	}
	return { dir, build };
}

/** `vsce ls`: the files `vsce package` would put in the package, as extension-relative paths. */
export function listPackageFiles(dir, node = toolingNode()) {
	const out = run(node, [vsceBin, 'ls', '--no-dependencies'], 'vsce ls', dir);
	return out
		.split('\n')
		.map(l => l.trim())
		.filter(Boolean);
}

/**
 * Production build + vsce package. Returns the .vsix path and its file list. With `check` (the
 * default) a wrong file list fails packaging; the e2e run passes `check: false` and counts it as a
 * check of its own instead.
 */
export function packageVsix({ out = defaultVsixPath, check = true, quiet = false } = {}) {
	const started = Date.now();
	const node = toolingNode();
	const { dir, build } = stage();
	try {
		if (!quiet) process.stdout.write(build);
		const files = listPackageFiles(dir, node);
		const problems = checkPackageFiles(files);
		if (check && problems.length) throw new Error(`the package would ship the wrong files:\n  ${problems.join('\n  ')}`);
		mkdirSync(dirname(out), { recursive: true });
		rmSync(out, { force: true });
		run(node, [vsceBin, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out], 'vsce package', dir);
		if (!existsSync(out)) throw new Error(`vsce reported success but ${out} does not exist`);
		if (!quiet) console.log(`package: ${out} (${files.length} files: ${files.join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		return { vsix: out, files };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
	const i = process.argv.indexOf('--out');
	try {
		packageVsix({ out: i > 0 ? resolve(process.argv[i + 1]) : defaultVsixPath });
	} catch (e) {
		console.error(`package: FAILED — ${e instanceof Error ? e.message : String(e)}`);
		process.exit(1);
	}
}
