import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot } from './paths';

/** Bundles a child-process program of the tests (`test/unit/node/<name>.ts`) into `dir`; returns its path. */
export async function bundleChild(name: string, dir: string): Promise<string> {
	const outfile = join(dir, `${name}.js`);
	await esbuild.build({ entryPoints: [join(repoRoot(), 'test', 'unit', 'node', `${name}.ts`)], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'error' });
	return outfile;
}
