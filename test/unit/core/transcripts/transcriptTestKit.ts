import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TokenCounter } from '../../../../src/core/ports/tokenCounter';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import { countChat, countText } from '../../../../src/core/tokens/count';
import type { ImportOptions } from '../../../../src/core/transcripts/importSupport';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import type { Transcript } from '../../../../src/core/transcripts/model';
import { publicFixturesDir, transcriptsDir } from '../../../support/paths';

/** The engine's real counter (exact for OpenAI encodings, calibrated estimates otherwise). */
export const engineCounter: TokenCounter = { countText, countChat };

/** Prices as of a fixed date, so a dataset update cannot change what "now" means in a test. */
export const fixedCatalog = createPriceCatalog({ now: () => new Date('2026-06-01T00:00:00Z') });

/** Every shared transcript, relative to the fixtures folder (FORMATS.md and PROVENANCE.md excluded). */
export function fixtureFiles(): string[] {
	const root = transcriptsDir();
	const walk = (dir: string): string[] =>
		readdirSync(dir).flatMap(name => {
			const p = join(dir, name);
			return statSync(p).isDirectory() ? walk(p) : [relative(root, p)];
		});
	return walk(root)
		.filter(f => f.includes('/'))
		.sort();
}

export function fixtureText(rel: string): string {
	return readFileSync(join(transcriptsDir(), rel), 'utf8');
}

export function importFixture(rel: string, options: Partial<ImportOptions> = {}): Transcript {
	return importTranscript(fixtureText(rel), { file: rel, counter: engineCounter, ...options });
}

/** A fixture from `test/fixtures/public` (pinned by this repository, with its own provenance). */
export function importPublicFixture(rel: string, options: Partial<ImportOptions> = {}): Transcript {
	return importTranscript(readFileSync(join(publicFixturesDir(), rel), 'utf8'), { file: rel, counter: engineCounter, ...options });
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing case reproduces from its seed. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
