import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths';

interface WalkthroughStep {
	readonly id: string;
	readonly title: string;
	readonly description: string;
	readonly media: { readonly markdown?: string; readonly image?: string };
	readonly completionEvents?: readonly string[];
}

const root = repoRoot();
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
	icon: string;
	galleryBanner: { color: string; theme: string };
	categories: string[];
	keywords: string[];
	repository: { type: string; url: string };
	contributes: { commands: { command: string }[]; walkthroughs: { id: string; title: string; steps: WalkthroughStep[] }[] };
};

/** The Marketplace's categories (an extension with another one is rejected on publish). */
const marketplaceCategories = [
	'AI',
	'Azure',
	'Chat',
	'Data Science',
	'Debuggers',
	'Education',
	'Extension Packs',
	'Formatters',
	'Keymaps',
	'Language Packs',
	'Linters',
	'Machine Learning',
	'Notebooks',
	'Other',
	'Programming Languages',
	'SCM Providers',
	'Snippets',
	'Testing',
	'Themes',
	'Visualization',
];

/** `checkPackageFiles` of scripts/package.mjs (an ES module), run as the packaging script runs it. */
function packageProblems(files: readonly string[]): string[] {
	const script = `import(${JSON.stringify(join(root, 'scripts', 'package.mjs'))}).then(m => process.stdout.write(JSON.stringify(m.checkPackageFiles(${JSON.stringify(files)}))))`;
	const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: root });
	assert.equal(r.status, 0, r.stderr);
	return JSON.parse(r.stdout) as string[];
}

describe('Marketplace manifest (package.json)', () => {
	it('has a 128×128 PNG icon and a gallery banner', () => {
		const png = readFileSync(join(root, manifest.icon));
		assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
		// IHDR: width and height, big-endian, right after the 8-byte signature and the chunk header.
		assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
		assert.match(manifest.galleryBanner.color, /^#[0-9A-Fa-f]{6}$/);
		assert.ok(['dark', 'light'].includes(manifest.galleryBanner.theme));
	});

	it('has Marketplace categories, at most 30 keywords and a repository', () => {
		for (const c of manifest.categories) assert.ok(marketplaceCategories.includes(c), `not a Marketplace category: ${c}`);
		assert.ok(manifest.keywords.length > 0 && manifest.keywords.length <= 30);
		assert.equal(new Set(manifest.keywords).size, manifest.keywords.length);
		assert.equal(manifest.repository.type, 'git');
		assert.match(manifest.repository.url, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
	});

	it('walks a newcomer through counting a prompt, replaying a transcript, starting the gateway and setting a budget', () => {
		const [walkthrough] = manifest.contributes.walkthroughs;
		assert.deepEqual(
			walkthrough.steps.map(s => s.title),
			['Count a prompt', 'Replay a transcript', 'Start the gateway', 'Set a budget'],
		);
		const own = new Set(manifest.contributes.commands.map(c => c.command));
		// The gateway's commands are contributed by the gateway feature; the walkthrough links them by id.
		const gateway = ['agentCost.gateway.start', 'agentCost.gateway.stop'];
		for (const step of walkthrough.steps) {
			assert.ok(step.media.markdown && existsSync(join(root, step.media.markdown)), `${step.id}: media ${step.media.markdown}`);
			assert.ok(step.completionEvents?.length, `${step.id} never completes`);
			const links = [...step.description.matchAll(/\]\(command:([\w.]+)/g)].map(m => m[1]);
			assert.ok(links.length > 0, `${step.id} has no button`);
			for (const id of links) assert.ok(own.has(id) || gateway.includes(id) || id.startsWith('workbench.action.'), `${step.id} links an unknown command ${id}`);
		}
		const gatewayStep = walkthrough.steps.find(s => s.id === 'startGateway')!;
		for (const id of gateway) assert.ok(gatewayStep.description.includes(`command:${id}`), id);
	});

	it('ships the icon, the walkthrough pages and the CHANGELOG, never the README screenshots', () => {
		const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
		assert.match(changelog, /^## \[Unreleased\]$/m);
		const media = [manifest.icon, ...manifest.contributes.walkthroughs[0].steps.map(s => s.media.markdown!)];
		const bundles = readdirSync(join(root, 'dist'))
			.filter(f => f.endsWith('.js'))
			.map(f => `dist/${f}`);
		const complete = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', ...bundles, 'dist/webview/replay.js', 'dist/webview/replay.css', ...media];
		assert.deepEqual(packageProblems(complete), []);
		assert.deepEqual(packageProblems([...complete, 'media/replay-charts.png']), ['ships README screenshots: media/replay-charts.png']);
		assert.deepEqual(packageProblems(complete.filter(f => f !== manifest.icon)), [`missing ${manifest.icon}`]);
	});
});
