import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../../src/core/ports/clock';
import { countChat, countText } from '../../../src/core/tokens/count';
import { TokenDocuments } from '../../../src/core/lens/tokenDocuments';
import { TokenWorkerError, type DocumentCount, type RangeCounts, type TextEdit } from '../../../src/core/lens/workerProtocol';
import { TokenWorkerClient, type DocumentSnapshot } from '../../../src/node/tokenWorkerClient';
import { repoRoot } from '../../support/paths';
import { corpusDocument } from '../../support/tokenCorpus';
import { waitFor } from '../../support/waitFor';

const workerPath = () => join(repoRoot(), 'dist', 'tokenWorker.js');

/** A stream of editor-like changes: typing, deletions, pastes, newlines — with the resulting text. */
function* edits(seed: number, initial: string, n: number): Generator<{ edit: TextEdit; text: string }> {
	const random = seededRandom(seed);
	let text = initial;
	const snippets = ['a', ' ', '\n', 'the ', '\r\n', '{', '}', '😀', 'é', '\t', "'s", '// note\n', 'lorem ipsum dolor sit amet, '];
	for (let i = 0; i < n; i++) {
		const at = Math.floor(random.next() * (text.length + 1));
		const r = random.next();
		const edit: TextEdit =
			r < 0.6
				? { rangeOffset: at, rangeLength: 0, text: snippets[Math.floor(random.next() * snippets.length)] }
				: r < 0.9
					? { rangeOffset: at, rangeLength: Math.min(3, text.length - at), text: '' }
					: { rangeOffset: at, rangeLength: Math.min(40, text.length - at), text: snippets.join('') };
		text = text.slice(0, edit.rangeOffset) + edit.text + text.slice(edit.rangeOffset + edit.rangeLength);
		yield { edit, text };
	}
}

describe('TokenDocuments (the worker state machine)', () => {
	it('opens, edits, switches model, counts selections and closes', () => {
		const docs = new TokenDocuments({ targetChunk: 64 });
		const text = corpusDocument(20_000);
		const opened = docs.handle({ id: 1, type: 'open', docId: 'a', version: 1, model: 'gpt-4o', text });
		assert.deepEqual(opened, { id: 1, ok: true, result: { docId: 'a', version: 1, model: 'gpt-4o', tokens: countText('gpt-4o', text).tokens, exact: true, method: 'o200k_base' } });

		let current = text;
		let version = 1;
		for (const { edit, text: next } of edits(3, text, 200)) {
			current = next;
			const r = docs.handle({ id: 2, type: 'edit', docId: 'a', version: ++version, edits: [edit] });
			assert.ok(r.ok);
		}
		const final = docs.handle({ id: 3, type: 'edit', docId: 'a', version, edits: [{ rangeOffset: 0, rangeLength: 0, text: 'ignored: same version' }] });
		assert.ok(final.ok && (final.result as DocumentCount).tokens === countText('gpt-4o', current).tokens, 'a repeated version is not applied twice');

		const cl = docs.handle({ id: 4, type: 'setModel', docId: 'a', model: 'gpt-4' });
		assert.ok(cl.ok);
		assert.deepEqual({ ...(cl.result as DocumentCount) }, { docId: 'a', version, model: 'gpt-4', tokens: countText('gpt-4', current).tokens, exact: true, method: 'cl100k_base' });

		const claude = docs.handle({ id: 5, type: 'setModel', docId: 'a', model: 'claude-sonnet-4-5' });
		assert.ok(claude.ok);
		assert.equal((claude.result as DocumentCount).method, 'claude-estimate');
		assert.equal((claude.result as DocumentCount).exact, false);
		assert.equal((claude.result as DocumentCount).tokens, countText('claude-sonnet-4-5', current).tokens);

		docs.handle({ id: 6, type: 'setModel', docId: 'a', model: 'gpt-4o' });
		const ranges = docs.handle({
			id: 7,
			type: 'countRanges',
			docId: 'a',
			version,
			ranges: [
				{ start: 10, end: 500 },
				{ start: 0, end: current.length },
			],
		});
		assert.ok(ranges.ok);
		assert.deepEqual((ranges.result as RangeCounts).counts, [
			{ tokens: countText('gpt-4o', current.slice(10, 500)).tokens, exact: true, method: 'o200k_base' },
			{ tokens: countText('gpt-4o', current).tokens, exact: true, method: 'o200k_base' },
		]);
		const stale = docs.handle({ id: 8, type: 'countRanges', docId: 'a', version: version - 1, ranges: [] });
		assert.deepEqual(stale.ok ? 'ok' : stale.reason, 'badRequest');

		assert.deepEqual(docs.handle({ id: 9, type: 'close', docId: 'a' }), { id: 9, ok: true, result: null });
		const gone = docs.handle({ id: 10, type: 'edit', docId: 'a', version: 99, edits: [] });
		assert.deepEqual(gone.ok ? 'ok' : gone.reason, 'unknownDocument');
		assert.equal(docs.size, 0);
	});

	it('answers bad requests with a typed reason instead of throwing', () => {
		const docs = new TokenDocuments();
		const r1 = docs.handle({ id: 1, type: 'open', docId: 'x', version: 1, model: '', text: 'hi' });
		assert.deepEqual(r1.ok ? 'ok' : r1.reason, 'unknownModel');
		docs.handle({ id: 2, type: 'open', docId: 'x', version: 1, model: 'gpt-4o', text: 'hi' });
		const r2 = docs.handle({ id: 3, type: 'edit', docId: 'x', version: 2, edits: [{ rangeOffset: 5, rangeLength: 1, text: '' }] });
		assert.deepEqual(r2.ok ? 'ok' : r2.reason, 'badRequest');
		const r3 = docs.handle({ id: 4, type: 'countText', model: 'gpt-4o', text: '<|endoftext|>' });
		assert.deepEqual(r3, { id: 4, ok: true, result: { tokens: 7, exact: true, method: 'o200k_base' } });
	});

	it('refines an approximate (pathological) document count when idle', () => {
		const docs = new TokenDocuments({ longPiece: 4096 });
		const text = 'z'.repeat(12_000) + '\nnormal text';
		const r = docs.handle({ id: 1, type: 'open', docId: 'p', version: 1, model: 'gpt-4o', text });
		assert.ok(r.ok && (r.result as DocumentCount).exact === false);
		assert.ok(docs.hasPendingRefinement());
		const n = docs.refineOne();
		assert.deepEqual(n?.count, { docId: 'p', version: 1, model: 'gpt-4o', tokens: countText('gpt-4o', text).tokens, exact: true, method: 'o200k_base' });
		assert.equal(docs.hasPendingRefinement(), false);
	});
});

describe('TokenWorkerClient + worker thread', function () {
	this.timeout(120_000);
	let client: TokenWorkerClient | undefined;
	afterEach(() => client?.dispose());

	it('spawns lazily, follows 400 real edits on a 1 MB document and matches a full count', async () => {
		let text = corpusDocument(1_000_000);
		const snapshots = new Map<string, { version: number; model: string; text: string }>();
		client = new TokenWorkerClient({ workerPath: workerPath(), snapshot: id => snapshots.get(id) });
		assert.equal(client.isRunning, false, 'constructing the client starts nothing');

		let version = 1;
		const opened = await client.open('doc', version, 'gpt-4o', text);
		assert.equal(client.isRunning, true);
		assert.equal(opened.tokens, countText('gpt-4o', text).tokens);

		// Fire edits without awaiting each (as the editor does), then check the last answer.
		const answers: Promise<DocumentCount>[] = [];
		for (const step of edits(9, text, 400)) {
			text = step.text;
			answers.push(client.edit('doc', ++version, [step.edit]));
		}
		const results = await Promise.all(answers);
		assert.deepEqual(
			results.map(r => r.version),
			Array.from({ length: 400 }, (_, i) => i + 2),
			'one answer per version, in order',
		);
		assert.equal(results[results.length - 1].tokens, countText('gpt-4o', text).tokens);

		const sel = await client.countRanges('doc', version, [{ start: 1000, end: 90_000 }]);
		assert.equal(sel.counts[0].tokens, countText('gpt-4o', text.slice(1000, 90_000)).tokens);

		// The worker goes away; the next edit re-opens the document from the host's snapshot.
		snapshots.set('doc', { version: version + 1, model: 'gpt-4o', text: text + ' more' });
		client.restart();
		const after = await client.edit('doc', version + 1, [{ rangeOffset: text.length, rangeLength: 0, text: ' more' }]);
		assert.equal(after.tokens, countText('gpt-4o', text + ' more').tokens);
		assert.equal(after.version, version + 1);
		assert.equal(client.starts, 2);

		assert.deepEqual(await client.countChat('gpt-4o', [{ role: 'user', content: 'hello' }]), { tokens: 8, exact: true, method: 'o200k_base' });
		await client.close('doc');
	});

	it('sends a large document in slices (astral characters at slice edges); edits made meanwhile wait for the last slice', async () => {
		client = new TokenWorkerClient({ workerPath: workerPath(), openSliceChars: 9_999 });
		// Astral characters everywhere, so some slice boundaries fall next to a surrogate pair.
		let text = corpusDocument(120_000).replace(/ /g, (m, i: number) => (i % 7 === 0 ? '😀' : m));
		const opening = client.open('big', 1, 'gpt-4o', text);
		const pending: Promise<DocumentCount>[] = [];
		let version = 1;
		for (const step of edits(21, text, 50)) {
			text = step.text;
			pending.push(client.edit('big', ++version, [step.edit]));
		}
		const opened = await opening;
		assert.equal(opened.version, 1);
		const results = await Promise.all(pending);
		assert.equal(results[results.length - 1].tokens, countText('gpt-4o', text).tokens);
		assert.equal(results[results.length - 1].version, version);
	});

	it('without a snapshot, an edit for an unknown document fails with unknownDocument', async () => {
		client = new TokenWorkerClient({ workerPath: workerPath() });
		await assert.rejects(client.edit('nope', 2, []), (e: unknown) => TokenWorkerError.is(e, 'unknownDocument'));
	});

	it('pushes the exact count after an approximate one (background refinement)', async () => {
		const refined: DocumentCount[] = [];
		client = new TokenWorkerClient({ workerPath: workerPath(), workerData: { refineDelayMs: 10, counter: { longPiece: 4096 } }, onRefined: c => refined.push(c) });
		const text = 'q'.repeat(10_000) + '\nend';
		const first = await client.open('p', 1, 'gpt-4o', text);
		assert.equal(first.exact, false);
		await waitFor('the refined count', () => refined.length > 0);
		assert.deepEqual(refined, [{ docId: 'p', version: 1, model: 'gpt-4o', tokens: countText('gpt-4o', text).tokens, exact: true, method: 'o200k_base' }]);
	});

	it('prompt documents through the thread: a chat file re-parsed after typing pauses, prices with overrides, re-seeded with its prompt options after a restart', async () => {
		const pushed: DocumentCount[] = [];
		const snapshots = new Map<string, DocumentSnapshot>();
		client = new TokenWorkerClient({ workerPath: workerPath(), workerData: { promptDelayMs: 20 }, snapshot: id => snapshots.get(id), onRefined: c => pushed.push(c) });
		let text = JSON.stringify([
			{ role: 'system', content: 'You are terse.' },
			{ role: 'user', content: 'Hello' },
		]);
		const prompt = { format: 'chat' as const, compare: ['gpt-4o-mini'] };
		const opened = await client.open('chat', 1, 'gpt-4o', text, prompt);
		const expected = (t: string) => countChat('gpt-4o', JSON.parse(t) as { role: string; content: string }[]).tokens;
		assert.equal(opened.prompt?.tokens, expected(text));
		assert.equal(opened.prompt?.exact, true);

		const edit: TextEdit = { rangeOffset: text.length - 3, rangeLength: 0, text: ' there, how are you' };
		text = text.slice(0, edit.rangeOffset) + edit.text + text.slice(edit.rangeOffset);
		const answer = await client.edit('chat', 2, [edit]);
		assert.equal(answer.prompt?.version, 1, 'the answer to the edit carries the previous parse');
		await waitFor('the re-parsed prompt', () => pushed.some(c => c.prompt?.version === 2));
		const reparsed = pushed.find(c => c.prompt?.version === 2);
		assert.equal(reparsed?.prompt?.tokens, expected(text));

		await client.setPriceOverrides({ 'gpt-4o': { input: 1, output: 2, contextWindow: 64_000 } });
		const [priced, unknown] = await client.describeModels(['gpt-4o', 'no-such-model-xyz']);
		assert.equal(priced.kind === 'known' && priced.source, 'override');
		assert.equal(priced.kind === 'known' && priced.contextWindow, 64_000);
		assert.equal(unknown.kind, 'unpriced');

		snapshots.set('chat', { version: 2, model: 'gpt-4o', text, prompt: { ...prompt, pinnedModel: 'gpt-4o-mini' } });
		client.restart();
		const reopened = await client.configurePrompt('chat', 'gpt-4o', { ...prompt, pinnedModel: 'gpt-4o-mini' });
		assert.deepEqual([reopened.model, reopened.prompt?.modelSource, reopened.prompt?.version], ['gpt-4o-mini', 'pinned', 2]);
		assert.equal(client.starts, 2);
		const request = await client.promptRequest('chat');
		assert.deepEqual(
			request.messages.map(m => m.role),
			['system', 'user'],
		);
		// A restarted worker lost the overrides: the dataset price again until they are re-sent.
		const [plain] = await client.describeModels(['gpt-4o']);
		assert.equal(plain.kind === 'known' && plain.fromOverride, false);
	});

	const stubDir = mkdtempSync(join(tmpdir(), 'token-worker-stubs-'));
	const stub = (name: string, body: string) => {
		const path = join(stubDir, name);
		writeFileSync(path, `const { parentPort } = require('node:worker_threads');\n${body}\n`);
		return path;
	};

	it('a worker that never answers: the request times out and the worker is replaced', async () => {
		client = new TokenWorkerClient({ workerPath: stub('silent.js', "parentPort.on('message', () => {});"), timeoutMs: 300 });
		await assert.rejects(client.countText('gpt-4o', 'x'), (e: unknown) => TokenWorkerError.is(e, 'timeout'));
		assert.equal(client.isRunning, false);
		await assert.rejects(client.countText('gpt-4o', 'x'), (e: unknown) => TokenWorkerError.is(e, 'timeout'));
		assert.equal(client.starts, 2);
	});

	it('a worker that dies: in-flight requests fail with crashed, respawns stop after repeated crashes', async () => {
		const crashes: string[] = [];
		client = new TokenWorkerClient({ workerPath: stub('crash.js', "parentPort.on('message', () => process.exit(3));"), timeoutMs: 5_000, onCrash: e => crashes.push(e.reason) });
		for (let i = 0; i < 3; i++) await assert.rejects(client.countText('gpt-4o', 'x'), (e: unknown) => TokenWorkerError.is(e, 'crashed'));
		assert.deepEqual(crashes, ['crashed', 'crashed', 'crashed']);
		await assert.rejects(client.countText('gpt-4o', 'x'), (e: unknown) => TokenWorkerError.is(e, 'crashed') && /not restarting/.test(e.message));
		assert.equal(client.starts, 3);
	});

	it('dispose rejects pending requests and later calls', async () => {
		client = new TokenWorkerClient({ workerPath: stub('silent2.js', "parentPort.on('message', () => {});"), timeoutMs: 10_000 });
		const pending = client.countText('gpt-4o', 'x');
		client.dispose();
		await assert.rejects(pending, (e: unknown) => TokenWorkerError.is(e, 'disposed'));
		await assert.rejects(client.countText('gpt-4o', 'y'), (e: unknown) => TokenWorkerError.is(e, 'disposed'));
	});
});
