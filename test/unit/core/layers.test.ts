import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { repoRoot } from '../../support/paths';
// The layer order lives in one place, shared with eslint.config.mjs (docs/ARCHITECTURE.md explains it).
// @ts-expect-error a plain .mjs module without types
import { allowedTypeBackEdges, coreLayers } from '../../../scripts/layers.mjs';

const layers = coreLayers as readonly string[];
const allowed = allowedTypeBackEdges as readonly (readonly [string, string])[];

interface Edge {
	readonly from: string;
	readonly to: string;
	readonly fromFolder: string;
	readonly toFolder: string;
	readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap(name => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
	});
}

/** Every relative import of src/core that crosses folders, and whether it is erased at build time. */
function coreEdges(): Edge[] {
	const core = join(repoRoot(), 'src', 'core');
	const edges: Edge[] = [];
	for (const file of sourceFiles(core)) {
		const text = readFileSync(file, 'utf8');
		for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;]*?\s+from\s+)?'(\.[^']+)';/gms)) {
			const target = normalize(join(dirname(file), m[2]!));
			const from = relative(core, file);
			const to = relative(core, target);
			const fromFolder = from.split('/')[0]!;
			const toFolder = to.split('/')[0]!;
			if (fromFolder === toFolder || to.startsWith('..')) continue;
			// `import { type A, type B }` is erased too.
			const names = /\{([^}]*)\}/.exec(m[0])?.[1];
			const allTypes = names !== undefined && names.split(',').every(n => n.trim() === '' || n.trim().startsWith('type '));
			edges.push({ from, to, fromFolder, toFolder, typeOnly: m[1] !== undefined || allTypes });
		}
	}
	return edges;
}

describe('src/core layers (scripts/layers.mjs)', () => {
	const edges = coreEdges();
	const rank = (folder: string) => layers.indexOf(folder);

	it('names every folder of src/core exactly once', () => {
		const folders = readdirSync(join(repoRoot(), 'src', 'core')).filter(n => statSync(join(repoRoot(), 'src', 'core', n)).isDirectory());
		assert.deepEqual([...folders].sort(), [...layers].sort());
		assert.ok(edges.length > 50, `the scan found ${edges.length} cross-folder imports`);
	});

	it('no runtime import goes up a layer (so no runtime cycle between folders can exist)', () => {
		const up = edges.filter(e => !e.typeOnly && rank(e.toFolder) > rank(e.fromFolder)).map(e => `${e.from} → ${e.to}`);
		assert.deepEqual(up, []);
	});

	it('no runtime import cycle between folders', () => {
		const graph = new Map<string, Set<string>>();
		for (const e of edges) if (!e.typeOnly) (graph.get(e.fromFolder) ?? graph.set(e.fromFolder, new Set()).get(e.fromFolder)!).add(e.toFolder);
		const state = new Map<string, 'visiting' | 'done'>();
		const cycles: string[] = [];
		const visit = (node: string, path: string[]) => {
			if (state.get(node) === 'done') return;
			if (state.get(node) === 'visiting') {
				cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
				return;
			}
			state.set(node, 'visiting');
			for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
			state.set(node, 'done');
		};
		for (const node of graph.keys()) visit(node, []);
		assert.deepEqual(cycles, []);
	});

	it('at most 3 type-only imports go up a layer, each one listed with its reason', () => {
		const up = edges.filter(e => e.typeOnly && rank(e.toFolder) > rank(e.fromFolder));
		const unlisted = up.filter(e => !allowed.some(([from, to]) => e.from === from && e.to === to)).map(e => `${e.from} → ${e.to}`);
		assert.deepEqual(unlisted, [], 'a type import up a layer needs an entry (and a reason) in allowedTypeBackEdges');
		assert.ok(up.length <= 3, `${up.length} type imports go up a layer`);
		assert.ok(allowed.length <= 3);
	});
});
