import * as assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../../support/paths';

/**
 * Architecture invariant: `src/core` and `src/protocol` know nothing about VS Code or Node, so the
 * engine runs in the extension host, the CLI, the webview and plain tests. `webview/` is a browser
 * app and must not reach into the extension or Node either.
 */
const nodeBuiltins = new Set(builtinModules.flatMap(m => [m, `node:${m}`]));

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap(name => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
	});
}

/** Every module specifier in import/export/require/dynamic-import positions. */
export function importedModules(source: string): string[] {
	const found: string[] = [];
	const patterns = [/\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
	for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]);
	return found;
}

function violations(folder: string, forbidden: (spec: string) => boolean): string[] {
	const root = repoRoot();
	return sourceFiles(join(root, folder)).flatMap(file =>
		importedModules(readFileSync(file, 'utf8'))
			.filter(forbidden)
			.map(spec => `${relative(root, file)} imports ${spec}`),
	);
}

const isVscodeOrNode = (spec: string) => spec === 'vscode' || nodeBuiltins.has(spec) || spec.startsWith('node:');

describe('architecture boundaries', () => {
	it('detects forbidden imports in every syntax (self-check of the scanner)', () => {
		const sample = `import * as vscode from 'vscode';\nimport type { X } from "node:fs";\nconst p = require('path');\nexport { y } from 'crypto';\nawait import('worker_threads');`;
		assert.deepEqual(importedModules(sample).filter(isVscodeOrNode), ['vscode', 'node:fs', 'crypto', 'path', 'worker_threads']);
	});

	it('src/core imports neither vscode nor Node built-ins', () => {
		assert.deepEqual(violations('src/core', isVscodeOrNode), []);
	});

	it('src/protocol imports neither vscode nor Node built-ins', () => {
		assert.deepEqual(violations('src/protocol', isVscodeOrNode), []);
	});

	it('src/core never reaches into the adapter, the Node ports or the webview', () => {
		assert.deepEqual(
			violations('src/core', spec => /\/(extension|node|webview)\//.test(spec) || spec.startsWith('../../webview')),
			[],
		);
	});

	it('webview/ imports neither vscode, Node built-ins nor extension code', () => {
		assert.deepEqual(
			violations('webview', spec => isVscodeOrNode(spec) || /src\/(extension|node)\//.test(spec)),
			[],
		);
	});

	it('src/core uses no Node or DOM globals (process, Buffer, require, window, document)', () => {
		const root = repoRoot();
		const offenders = sourceFiles(join(root, 'src', 'core')).flatMap(file => {
			// Comments may mention these words; code may not.
			const code = readFileSync(file, 'utf8')
				.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
				.replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""');
			return [...code.matchAll(/\b(process|Buffer|require|__dirname|window|document)\s*[.(\[]/g)].map(m => `${relative(root, file)}: ${m[1]}`);
		});
		assert.deepEqual(offenders, []);
	});
});
