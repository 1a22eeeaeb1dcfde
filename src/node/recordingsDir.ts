import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Creates a recordings folder; one this call creates gets a `.gitignore` of `*`: recordings hold
 * prompts and answers, which must not be committed by accident (delete the file to share them on
 * purpose). An existing folder is left as it is.
 */
export async function ensureRecordingsDir(dir: string): Promise<void> {
	const created = await mkdir(dir, { recursive: true });
	if (created !== undefined) await writeFile(join(dir, '.gitignore'), '# Agent Cost Lens recordings hold prompts and answers: not committed unless you delete this file.\n*\n');
}
