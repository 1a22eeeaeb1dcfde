import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The `.gitignore` a recordings folder gets: recordings hold prompts and answers. */
const recordingsGitignore = '# Agent Cost Lens recordings hold prompts and answers: not committed unless you delete this file.\n*\n';

/**
 * Creates a recordings folder and makes sure it has a `.gitignore` of `*` before every write:
 * recordings hold prompts and answers, which must not be committed by accident — also when the
 * folder was created by someone else or the file was deleted since. A `.gitignore` that is there
 * is never overwritten (the user's own rules win).
 */
export async function ensureRecordingsDir(dir: string): Promise<void> {
	await mkdir(dir, { recursive: true });
	try {
		await writeFile(join(dir, '.gitignore'), recordingsGitignore, { flag: 'wx' });
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
	}
}
