// ESLint: promise mistakes (a floating or misused promise is a lost error or a race) and the
// import boundaries of docs/ARCHITECTURE.md, generated from scripts/layers.mjs so that a wrong
// import fails `npm run lint` (and `npm test`). Formatting is Prettier's job, not ESLint's.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { coreLayers, sourceRules } from './scripts/layers.mjs';

const nodeBuiltins = builtinModules.filter(m => !m.startsWith('_'));

/** Patterns that match an import of `target` from anywhere (relative paths). */
function folderPatterns(target) {
	return [`**/${target}`, `**/${target}/**`];
}

function forbidden(list) {
	const paths = [];
	const patterns = [];
	for (const f of list) {
		if (f === 'vscode') paths.push({ name: 'vscode', message: 'This folder must not use the VS Code API (docs/ARCHITECTURE.md).' });
		else if (f === 'node:') {
			patterns.push({ group: ['node:*'], message: 'This folder must not use Node built-ins (docs/ARCHITECTURE.md).' });
			for (const m of nodeBuiltins) paths.push({ name: m, message: 'This folder must not use Node built-ins (docs/ARCHITECTURE.md).' });
		} else patterns.push({ group: folderPatterns(f), message: `This folder must not import ${f} (docs/ARCHITECTURE.md).` });
	}
	return { paths, patterns };
}

const boundaryBlocks = [
	...Object.entries(sourceRules).map(([folder, rule]) => ({
		files: [folder === 'webview' ? 'webview/**/*.ts' : `src/${folder}/**/*.ts`],
		rules: { '@typescript-eslint/no-restricted-imports': ['error', forbidden(rule.forbid)] },
	})),
	// Inside src/core: a folder imports only its own and lower layers at run time (type imports may
	// go up: they are erased; the layer test bounds them).
	...coreLayers.map((layer, i) => {
		const above = coreLayers.slice(i + 1);
		const base = forbidden(sourceRules.core.forbid);
		return {
			files: [`src/core/${layer}/**/*.ts`],
			rules: {
				'@typescript-eslint/no-restricted-imports': [
					'error',
					{
						paths: base.paths,
						patterns: [
							...base.patterns,
							...(above.length
								? [
										{
											group: above.flatMap(f => [`../${f}/*`, `../${f}`]),
											allowTypeImports: true,
											message: `src/core/${layer} is below ${above.join(', ')} (scripts/layers.mjs): import down, or move the code.`,
										},
									]
								: []),
						],
					},
				],
			},
		};
	}),
];

export default tseslint.config(
	{ ignores: ['node_modules/**', 'dist/**', 'out/**', '.harness/**', '.bench-build*/**', 'test-results/**', 'sample-workspace/**', 'types/**', 'test/fixtures/**', '**/*.mjs', '**/*.cjs', '**/*.js'] },
	{
		files: ['**/*.ts'],
		languageOptions: {
			parser: tseslint.parser,
			parserOptions: { project: ['./tsconfig.json', './tsconfig.webview.json'], tsconfigRootDir: import.meta.dirname },
		},
		plugins: { '@typescript-eslint': tseslint.plugin },
		rules: {
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
			'@typescript-eslint/await-thenable': 'error',
			'@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports', disallowTypeAnnotations: false }],
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
			'no-debugger': 'error',
			eqeqeq: ['error', 'always', { null: 'ignore' }],
		},
	},
	...boundaryBlocks,
);
