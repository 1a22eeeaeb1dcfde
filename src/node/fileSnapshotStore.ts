import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SnapshotStore } from '../core/ports/snapshotStore';

/**
 * Cache snapshots as JSON files in a folder — VS Code's workspace storage (`context.storageUri`) by
 * default, injected by the composition root. Writes go to a temp file and are renamed into place, so
 * a crash leaves either the old or the new snapshot, never half of one.
 */
export class FileSnapshotStore implements SnapshotStore {
	constructor(private readonly dir: string) {}

	private file(name: string): string {
		if (!/^[\w.-]+$/.test(name)) throw new Error(`invalid snapshot name ${JSON.stringify(name)}`);
		return join(this.dir, `${name}.json`);
	}

	async load(name: string): Promise<unknown | undefined> {
		let text: string;
		try {
			text = await readFile(this.file(name), 'utf8');
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
			throw e;
		}
		try {
			return JSON.parse(text);
		} catch {
			// A damaged snapshot is a cold cache, not an error.
			return undefined;
		}
	}

	async save(name: string, value: unknown): Promise<void> {
		await mkdir(this.dir, { recursive: true });
		const target = this.file(name);
		const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
		await writeFile(tmp, JSON.stringify(value));
		await rename(tmp, target);
	}
}
