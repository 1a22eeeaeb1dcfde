// Regenerates package.json's `contributes.configuration.properties` from the ONE settings schema
// (src/core/config/defaults.ts). Run after changing a setting:  node scripts/syncSettings.mjs
// `--check` exits 1 (without writing) when package.json is out of date.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');

const built = await esbuild.build({
	entryPoints: [join(root, 'src/core/config/defaults.ts')],
	bundle: true,
	format: 'esm',
	platform: 'neutral',
	write: false,
	logLevel: 'error',
});
const { settingsSchema } = await import('data:text/javascript;base64,' + Buffer.from(built.outputFiles[0].text).toString('base64'));

/** The manifest form of one setting (VS Code's JSON-schema subset). */
export function toManifestProperty(spec, order) {
	const p = { type: spec.type, default: spec.default, description: spec.description };
	if (spec.minimum !== undefined) p.minimum = spec.minimum;
	if (spec.maximum !== undefined) p.maximum = spec.maximum;
	if (spec.enum) p.enum = [...spec.enum];
	if (spec.items) p.items = { ...spec.items };
	p.order = order;
	return p;
}

const path = join(root, 'package.json');
const text = readFileSync(path, 'utf8');
const pkg = JSON.parse(text);
const properties = {};
settingsSchema.forEach((spec, i) => (properties[spec.key] = toManifestProperty(spec, i)));
pkg.contributes ??= {};
pkg.contributes.configuration ??= { title: 'Agent Cost Lens' };
pkg.contributes.configuration.properties = properties;
const next = JSON.stringify(pkg, null, '\t') + '\n';
if (check) {
	if (next !== text) {
		console.error('package.json settings are out of date: run `node scripts/syncSettings.mjs`');
		process.exit(1);
	}
	console.log(`package.json settings are in sync (${settingsSchema.length} keys)`);
} else {
	writeFileSync(path, next);
	console.log(`package.json: wrote ${settingsSchema.length} settings`);
}
