import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The product's version from package.json. dist/cli.js sits next to package.json's folder; the
 * version is read, not bundled, so the bundle and the manifest can never disagree.
 */
export function packageVersion(): string {
	try {
		return JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version as string;
	} catch {
		return 'unknown';
	}
}
