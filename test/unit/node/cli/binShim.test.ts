import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../support/paths';

/**
 * `npx agent-cost …` right after `npm ci`: npm links the shim (bin/agent-cost.mjs, a `file:`
 * dev dependency) into node_modules/.bin, and the shim builds dist/cli.js on first use. Exercised in
 * a scratch copy of the repository layout, so the real dist/ is never touched.
 */
describe('agent-cost bin shim (npx agent-cost)', function () {
	this.timeout(120_000);
	const root = repoRoot();
	let scratch: string;
	before(() => {
		scratch = mkdtempSync(join(tmpdir(), 'agent-cost-shim-'));
		mkdirSync(join(scratch, 'bin'));
		cpSync(join(root, 'bin', 'agent-cost.mjs'), join(scratch, 'bin', 'agent-cost.mjs'));
		cpSync(join(root, 'src'), join(scratch, 'src'), { recursive: true });
		cpSync(join(root, 'package.json'), join(scratch, 'package.json'));
		for (const name of ['esbuild.mjs', 'node_modules']) symlinkSync(join(root, name), join(scratch, name));
	});
	after(() => rmSync(scratch, { recursive: true, force: true }));

	const run = (...args: string[]) => spawnSync(process.execPath, [join(scratch, 'bin', 'agent-cost.mjs'), ...args], { encoding: 'utf8', cwd: scratch });

	it('npm ci linked `agent-cost` into node_modules/.bin, pointing at the shim', () => {
		const link = join(root, 'node_modules', '.bin', 'agent-cost');
		assert.match(readlinkSync(link), /agent-cost-bin\/agent-cost\.mjs$/);
		assert.equal(realpathSync(link), join(root, 'bin', 'agent-cost.mjs'));
	});

	it('builds dist/cli.js on first use, with the build talk on stderr so --json stays clean', () => {
		const first = run('price', '--model', 'gpt-4o', '--input', '1000', '--output', '10', '--json');
		assert.equal(first.status, 0, first.stderr);
		assert.match(first.stderr, /agent-cost: building dist\/cli\.js \(first use\)/);
		assert.equal(JSON.parse(first.stdout).usd, 0.0026);
		const again = run('--version');
		assert.equal(again.status, 0, again.stderr);
		assert.equal(again.stderr, '', 'built once: no second build');
		assert.equal(again.stdout.trim(), (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
	});

	it('rebuilds when a source is newer than the bundle (after a git pull), never runs a stale one', () => {
		const future = new Date(Date.now() + 60_000);
		utimesSync(join(scratch, 'src', 'node', 'cli', 'main.ts'), future, future);
		const r = run('--help');
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stderr, /building dist\/cli\.js \(the sources changed\)/);
		assert.match(r.stdout, /^agent-cost — /);
	});

	it('without npm ci it says what to run instead of failing obscurely', () => {
		const bare = mkdtempSync(join(tmpdir(), 'agent-cost-shim-bare-'));
		try {
			mkdirSync(join(bare, 'bin'));
			cpSync(join(root, 'bin', 'agent-cost.mjs'), join(bare, 'bin', 'agent-cost.mjs'));
			const r = spawnSync(process.execPath, [join(bare, 'bin', 'agent-cost.mjs'), '--version'], { encoding: 'utf8' });
			assert.equal(r.status, 1);
			assert.match(r.stderr, /dist\/cli\.js is not built and the build tools are missing — run `npm ci`/);
		} finally {
			rmSync(bare, { recursive: true, force: true });
		}
	});
});
