import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../../../src/core/ports/clock';
import { countPromptRequest, readPromptFile } from '../../../../src/core/prompts/promptFile';
import { promptMeta } from '../../../../src/core/prompts/promptMeta';
import type { PromptFormat } from '../../../../src/core/prompts/promptGlobs';
import { createPriceCatalog } from '../../../../src/core/pricing/catalog';
import type { ModelPriceInfo, UnpricedModel } from '../../../../src/core/pricing/types';
import { countChat } from '../../../../src/core/tokens/count';
import { TokenDocuments } from '../../../../src/core/lens/tokenDocuments';
import type { DocumentCount, PromptRequestMessages, PromptSectionCounts, TextEdit, TokenWorkerRequest, TokenWorkerResponse } from '../../../../src/core/lens/workerProtocol';
import { repoRoot } from '../../../support/paths';
import { corpusDocument } from '../../../support/tokenCorpus';

const sample = (name: string) => readFileSync(join(repoRoot(), 'sample-workspace', 'prompts', name), 'utf8');

/** The prompt count the lens must show: the file read as the chat it stands for, counted with countChat. */
function reference(format: PromptFormat, model: string, text: string): { tokens: number; exact: boolean } {
	const p = readPromptFile(text, format);
	if (p.messages.length === 0) return { tokens: 0, exact: true };
	const c = countPromptRequest(countChat, model, p);
	return { tokens: c.tokens, exact: c.exact };
}

let nextId = 1;
type RequestBody = TokenWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
function ok<T>(docs: TokenDocuments, req: RequestBody): T {
	const r: TokenWorkerResponse = docs.handle({ ...req, id: nextId++ } as TokenWorkerRequest);
	if (!r.ok) assert.fail(`${req.type} failed: ${r.reason}: ${r.message}`);
	return r.result as T;
}

function apply(text: string, e: TextEdit): string {
	return text.slice(0, e.rangeOffset) + e.text + text.slice(e.rangeOffset + e.rangeLength);
}

describe('TokenDocuments: prompt documents (the lens counts)', () => {
	it('text prompts: after every one of 400 random edits (front matter, whitespace, model lines) the incremental count equals countChat of the prompt', () => {
		const docs = new TokenDocuments({ targetChunk: 64 });
		const random = seededRandom(11);
		let text = `---\ndescription: review\n---\n\n${corpusDocument(3000)}\n\n`;
		let version = 1;
		const compare = ['gpt-4o-mini', 'claude-opus-4-6', 'gpt-4'];
		let c = ok<DocumentCount>(docs, { type: 'open', docId: 'p', version, model: 'gpt-4o', text, prompt: { format: 'text', compare } });
		const snippets = ['a', ' ', '\n', '\n\n', '  ', 'the ', '---\n', 'model: gpt-4\n', 'model: claude-sonnet-4-5\n', '😀', "'s", '\t', '\u00a0', '\ufeff'];
		const modelsSeen = new Set<string>();
		for (let i = 0; i < 400; i++) {
			const r = random.next();
			// A third of the edits land in the first 40 characters (front matter) or the last 5 (trailing space).
			const at =
				r < 0.2 ? Math.floor(random.next() * Math.min(40, text.length + 1)) : r < 0.33 ? Math.max(0, text.length - Math.floor(random.next() * 5)) : Math.floor(random.next() * (text.length + 1));
			const del = random.next() < 0.35 ? Math.min(text.length - at, 1 + Math.floor(random.next() * 6)) : 0;
			let edit: TextEdit = { rangeOffset: at, rangeLength: del, text: del > 0 && random.next() < 0.5 ? '' : snippets[Math.floor(random.next() * snippets.length)] };
			// Now and then (re)write the front matter's model line, switching tokenizers and estimates.
			const modelLine = /^---\n(?:[^\n]*\n)*?(model: [^\n]*\n)/.exec(text);
			const model = ['gpt-4', 'claude-sonnet-4-5', 'gpt-4o-mini', 'gemini-2.5-pro'][Math.floor(random.next() * 4)];
			if (r > 0.95 && text.startsWith('---\n')) edit = { rangeOffset: 4, rangeLength: 0, text: `model: ${model}\n` };
			else if (r > 0.95) edit = { rangeOffset: 0, rangeLength: 0, text: `---\nmodel: ${model}\n---\n` };
			else if (r > 0.92 && modelLine) edit = { rangeOffset: modelLine.index + modelLine[0].length - modelLine[1].length, rangeLength: modelLine[1].length, text: '' };
			text = apply(text, edit);
			c = ok<DocumentCount>(docs, { type: 'edit', docId: 'p', version: ++version, edits: [edit] });
			const p = c.prompt!;
			const named = promptMeta(text).model;
			assert.equal(c.model, named !== undefined && /^[^\s\u0000-\u001f\u007f]{1,200}$/.test(named) ? named : 'gpt-4o', `edit ${i}: the model follows the front matter`);
			modelsSeen.add(c.model);
			const expected = reference('text', c.model, text);
			assert.equal(p.tokens, expected.tokens, `edit ${i}: ${JSON.stringify(edit)} (model ${c.model})`);
			assert.equal(p.exact, expected.exact, `edit ${i}: exactness`);
			assert.equal(p.version, version);
			if (i % 5 === 0) for (const cc of p.compare ?? []) assert.equal(cc.tokens, reference('text', cc.model, text).tokens, `edit ${i}: compared ${cc.model}`);
		}
		// Not vacuous: the edits did rewrite the front matter's model (and with it the tokenizer).
		assert.ok(modelsSeen.size >= 2, `models seen: ${[...modelsSeen].join(', ')}`);
	});

	it('text prompts: the file names the model (front matter); a pick wins; the tokenizer follows', () => {
		const docs = new TokenDocuments({ targetChunk: 64 });
		let text = '---\nmodel: gpt-4\n---\nSummarize the change below.\n';
		let c = ok<DocumentCount>(docs, { type: 'open', docId: 'f', version: 1, model: 'gpt-4o', text, prompt: { format: 'text', compare: ['gpt-4o'] } });
		assert.deepEqual([c.model, c.method, c.prompt!.modelSource, c.prompt!.fileModel], ['gpt-4', 'cl100k_base', 'file', 'gpt-4']);
		assert.equal(c.prompt!.tokens, reference('text', 'gpt-4', text).tokens);
		assert.equal(c.prompt!.overhead, 7);
		assert.deepEqual(c.prompt!.compare, [], 'gpt-4o is on another tokenizer than cl100k: not derivable from this count');

		const edit: TextEdit = { rangeOffset: text.indexOf('gpt-4'), rangeLength: 'gpt-4'.length, text: 'claude-sonnet-4-5' };
		text = apply(text, edit);
		c = ok<DocumentCount>(docs, { type: 'edit', docId: 'f', version: 2, edits: [edit] });
		assert.deepEqual([c.model, c.method, c.prompt!.exact], ['claude-sonnet-4-5', 'claude-estimate', false]);
		assert.equal(c.prompt!.tokens, reference('text', 'claude-sonnet-4-5', text).tokens);

		c = ok<DocumentCount>(docs, { type: 'configurePrompt', docId: 'f', model: 'gpt-4o', prompt: { format: 'text', pinnedModel: 'gpt-4o-mini' } });
		assert.deepEqual([c.model, c.prompt!.modelSource, c.prompt!.fileModel], ['gpt-4o-mini', 'pinned', 'claude-sonnet-4-5']);
		assert.equal(c.prompt!.tokens, reference('text', 'gpt-4o-mini', text).tokens);

		c = ok<DocumentCount>(docs, { type: 'configurePrompt', docId: 'f', model: 'gpt-4o', prompt: { format: 'text' } });
		assert.equal(c.model, 'claude-sonnet-4-5', 'dropping the pick returns to the file');

		const bad = ok<DocumentCount>(docs, { type: 'open', docId: 'g', version: 1, model: 'gpt-4o', text: '---\nmodel: my model\n---\nhi', prompt: { format: 'text' } });
		assert.equal(bad.model, 'gpt-4o');
		assert.equal(bad.prompt!.modelSource, 'default');
		assert.match(bad.prompt!.notes?.join() ?? '', /not a usable model id/);

		const r = docs.handle({ id: 99, type: 'configurePrompt', docId: 'f', model: 'gpt-4o', prompt: { format: 'text', pinnedModel: ' ' } });
		assert.equal(r.ok ? 'ok' : r.reason, 'unknownModel');
	});

	it('an empty prompt counts 0 with a problem, not the framing', () => {
		const docs = new TokenDocuments();
		const c = ok<DocumentCount>(docs, { type: 'open', docId: 'e', version: 1, model: 'gpt-4o', text: '---\nmodel: gpt-4o\n---\n \n', prompt: { format: 'text' } });
		assert.deepEqual([c.prompt!.tokens, c.prompt!.messages, c.prompt!.problem], [0, 0, 'the file has no prompt text']);
	});

	it('prompty: counted as its sections; edits are re-parsed when the worker is idle; the file model and max_tokens are reported', () => {
		const docs = new TokenDocuments();
		let text = sample('support-triage.prompty');
		let c = ok<DocumentCount>(docs, { type: 'open', docId: 'y', version: 1, model: 'gpt-4o', text, prompt: { format: 'prompty', compare: ['gpt-4o', 'claude-opus-4-6'] } });
		assert.deepEqual([c.model, c.prompt!.modelSource, c.prompt!.fileMaxOutputTokens, c.prompt!.messages], ['gpt-4o-mini', 'file', 400, 2]);
		assert.deepEqual({ tokens: c.prompt!.tokens, exact: c.prompt!.exact }, reference('prompty', 'gpt-4o-mini', text));
		assert.deepEqual(
			c.prompt!.compare!.map(x => x.tokens),
			[reference('prompty', 'gpt-4o', text).tokens, reference('prompty', 'claude-opus-4-6', text).tokens],
		);

		const edit: TextEdit = { rangeOffset: text.length, rangeLength: 0, text: '\nPlease answer in German.' };
		text = apply(text, edit);
		c = ok<DocumentCount>(docs, { type: 'edit', docId: 'y', version: 2, edits: [edit] });
		assert.equal(c.prompt!.version, 1, 'the structured count waits for a pause');
		assert.equal(docs.hasPendingPromptCount(), true);
		const n = docs.idleWork();
		assert.equal(n?.count.prompt!.version, 2);
		assert.equal(n?.count.prompt!.tokens, reference('prompty', 'gpt-4o-mini', text).tokens);
		assert.equal(docs.hasPendingPromptCount(), false);
	});

	it('chat JSON: counted like agent-cost count; mid-edit broken JSON keeps the last good count marked ≈', () => {
		const docs = new TokenDocuments();
		let text = sample('refactor-agent.messages.json');
		let c = ok<DocumentCount>(docs, { type: 'open', docId: 'c', version: 1, model: 'gpt-4o', text, prompt: { format: 'chat' } });
		const good = reference('chat', 'gpt-4o', text);
		assert.deepEqual({ tokens: c.prompt!.tokens, exact: c.prompt!.exact }, good);
		assert.equal(c.prompt!.messages, 5);
		assert.equal(good.exact, false, 'tool calls: the framing is an estimate');

		const tail = text.slice(-3);
		const cut: TextEdit = { rangeOffset: text.length - 3, rangeLength: 3, text: '' };
		text = apply(text, cut);
		ok(docs, { type: 'edit', docId: 'c', version: 2, edits: [cut] });
		c = docs.idleWork()!.count;
		assert.equal(c.prompt!.tokens, good.tokens);
		assert.equal(c.prompt!.exact, false);
		assert.match(c.prompt!.problem ?? '', /not \(yet\) a chat.*last version that parsed/);

		const fix: TextEdit = { rangeOffset: text.length, rangeLength: 0, text: tail };
		text = apply(text, fix);
		ok(docs, { type: 'edit', docId: 'c', version: 3, edits: [fix] });
		c = docs.idleWork()!.count;
		assert.equal(c.prompt!.problem, undefined);
		assert.equal(c.prompt!.tokens, reference('chat', 'gpt-4o', text).tokens);

		const body = JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hello' }] });
		c = ok<DocumentCount>(docs, { type: 'open', docId: 'b', version: 1, model: 'gpt-4o', text: body, prompt: { format: 'chat' } });
		assert.deepEqual([c.model, c.prompt!.modelSource, c.prompt!.tokens, c.prompt!.exact], ['gpt-4.1-mini', 'file', 8, true]);

		c = ok<DocumentCount>(docs, { type: 'open', docId: 'n', version: 1, model: 'gpt-4o', text: 'not json', prompt: { format: 'chat' } });
		assert.match(c.prompt!.problem ?? '', /raw text/);
		assert.equal(c.prompt!.exact, false);
	});

	it('a chat file opened in slices is parsed after the last slice', () => {
		const docs = new TokenDocuments();
		const text = sample('refactor-agent.messages.json');
		const half = Math.floor(text.length / 2);
		let c = ok<DocumentCount>(docs, { type: 'open', docId: 's', version: 1, model: 'gpt-4o', text: text.slice(0, half), prompt: { format: 'chat' }, partial: true });
		assert.equal(c.prompt, undefined, 'nothing to show before the whole text is there');
		assert.equal(docs.hasPendingPromptCount(), false);
		c = ok<DocumentCount>(docs, { type: 'append', docId: 's', text: text.slice(half), last: true });
		assert.equal(c.prompt!.tokens, reference('chat', 'gpt-4o', text).tokens);
	});

	it('promptRequest gives the messages a call would send', () => {
		const docs = new TokenDocuments();
		ok(docs, { type: 'open', docId: 't', version: 4, model: 'claude-sonnet-4-5', text: '---\nmodel: x\n---\n\n Review this.\n', prompt: { format: 'text' } });
		const r = ok<PromptRequestMessages>(docs, { type: 'promptRequest', docId: 't' });
		assert.deepEqual(r, { docId: 't', version: 4, model: 'x', messages: [{ role: 'user', content: 'Review this.' }] });
		ok(docs, { type: 'open', docId: 'raw', version: 1, model: 'gpt-4o', text: 'hi' });
		const notPrompt = docs.handle({ id: 1, type: 'promptRequest', docId: 'raw' });
		assert.equal(notPrompt.ok ? 'ok' : notPrompt.reason, 'badRequest');
	});

	it('promptSections: the parts of the edited document, for the model it is counted with, cached per version', () => {
		const docs = new TokenDocuments();
		const text = '[{"role":"system","content":"Be brief."},\n {"role":"user","content":"Summarise the diff."}]';
		ok(docs, { type: 'open', docId: 'c', version: 1, model: 'gpt-4o', text, prompt: { format: 'chat', pinnedModel: 'gpt-4o-mini' } });
		const first = ok<PromptSectionCounts>(docs, { type: 'promptSections', docId: 'c' });
		assert.equal(first.model, 'gpt-4o-mini');
		assert.deepEqual(
			first.sections.map(s => [s.label, s.offset]),
			[
				['#1 system', 1],
				['#2 user', text.indexOf('{"role":"user"')],
			],
		);
		assert.equal(first.tokens, reference('chat', 'gpt-4o-mini', text).tokens);
		assert.equal(ok<PromptSectionCounts>(docs, { type: 'promptSections', docId: 'c' }), first, 'the same version is answered from the cache');
		// An edit (not yet re-parsed for the status bar) is in the next answer, at its version.
		const at = text.indexOf('Summarise');
		ok(docs, { type: 'edit', docId: 'c', version: 2, edits: [{ rangeOffset: at, rangeLength: 0, text: 'Carefully ' }] });
		const second = ok<PromptSectionCounts>(docs, { type: 'promptSections', docId: 'c' });
		assert.equal(second.version, 2);
		assert.equal(second.sections[1].tokens, countChat('gpt-4o-mini', [{ role: 'user', content: 'Carefully Summarise the diff.' }]).tokens - countChat('gpt-4o-mini', []).tokens);
		assert.notEqual(second.sections[1].tokens, first.sections[1].tokens);
		ok(docs, { type: 'open', docId: 'raw', version: 1, model: 'gpt-4o', text: 'hi' });
		const notPrompt = docs.handle({ id: 1, type: 'promptSections', docId: 'raw' });
		assert.equal(notPrompt.ok ? 'ok' : notPrompt.reason, 'badRequest');
	});

	it('describes models with the overrides it was given (and says so when it has no catalog)', () => {
		let built = 0;
		const docs = new TokenDocuments({}, { createCatalog: overrides => (built++, createPriceCatalog({ overrides })) });
		const [gpt, mine] = ok<readonly (ModelPriceInfo | UnpricedModel)[]>(docs, { type: 'describeModels', models: ['gpt-4o', 'my-model'] });
		assert.equal(gpt.kind === 'known' && gpt.prices.input, 2.5);
		assert.equal(mine.kind, 'unpriced');
		ok(docs, { type: 'setPriceOverrides', overrides: { 'my-model': { input: 1, output: 2, contextWindow: 32_000 } } });
		const [again] = ok<readonly (ModelPriceInfo | UnpricedModel)[]>(docs, { type: 'describeModels', models: ['my-model'] });
		assert.equal(again.kind === 'known' && again.contextWindow, 32_000);
		assert.equal(built, 2, 'rebuilt once after new overrides, cached otherwise');
		ok(docs, { type: 'describeModels', models: ['gpt-4o'] });
		assert.equal(built, 2);
		const none = new TokenDocuments().handle({ id: 1, type: 'describeModels', models: ['gpt-4o'] });
		assert.equal(none.ok ? 'ok' : none.reason, 'badRequest');
	});
});
