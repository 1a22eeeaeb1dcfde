// The status-bar lens in a real VS Code: open prompt files from sample-workspace/prompts/, type,
// select, pick models and change settings, and check the status bar against numbers computed here
// from the engine (countChat / countText and the price catalog) for the very same text.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { chatMessagesOf, countPromptRequest, readPromptFile } from '../../src/core/prompts/promptFile';
import type { PromptFormat } from '../../src/core/prompts/promptGlobs';
import { createPriceCatalog } from '../../src/core/pricing/catalog';
import { formatTokens, formatUsdPrecise } from '../../src/core/pricing/format';
import { zeroUsage } from '../../src/core/pricing/usage';
import { countChat, countChatParts, countText } from '../../src/core/tokens/count';
import type { AgentCostApi } from '../../src/extension/api';
import type { LensSnapshot } from '../../src/extension/lens/promptLens';
import { startFakeProviderServer } from '../support/fakeProviderServer';
import { repoRoot } from '../support/paths';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string; publisher: string };
const extensionId = `${manifest.publisher}.${manifest.name}`;
const promptsDir = join(repoRoot(), 'sample-workspace', 'prompts');
const scratchDir = join(tmpdir(), `agent-cost-lens-it-${process.pid}`);
const scratchPrompts = join(scratchDir, 'prompts');
const catalog = createPriceCatalog();

/** The prompt tokens the lens must show for `text`, from the engine. */
function expectedTokens(format: PromptFormat, model: string, text: string): { tokens: number; exact: boolean } {
	const c = countPromptRequest(countChat, model, readPromptFile(text, format));
	return { tokens: c.tokens, exact: c.exact };
}

/** input at the input price (+ `output` assumed tokens at the output price), from the catalog. The bar shows the input cost by default. */
function expectedUsd(model: string, input: number, output = 0): number {
	const c = catalog.cost(model, { ...zeroUsage, input, output });
	assert.equal(c.kind, 'priced', `${model} has a price`);
	return c.kind === 'priced' ? c.usd : NaN;
}

function statusText(tokens: number, exact: boolean, usd: number, model: string, selected = false): string {
	return `$(symbol-numeric) ${exact ? '' : '≈'}${formatTokens(tokens)} tok${selected ? ' selected' : ''} · ${formatUsdPrecise(usd, { estimate: !exact })} · ${model}`;
}

describe('status-bar lens (real VS Code extension host)', function () {
	this.timeout(90_000);
	let api: AgentCostApi;

	before(async () => {
		const extension = vscode.extensions.getExtension<AgentCostApi>(extensionId);
		assert.ok(extension, `extension ${extensionId} is not loaded`);
		api = await extension.activate();
	});

	after(() => rmSync(scratchDir, { recursive: true, force: true }));

	afterEach(async () => {
		// Leave no typed text behind: revert what the tests typed into, then close.
		for (const doc of vscode.workspace.textDocuments) {
			if (doc.isDirty && doc.uri.scheme === 'file' && (doc.uri.fsPath.startsWith(scratchDir) || doc.uri.fsPath.startsWith(promptsDir))) {
				await vscode.window.showTextDocument(doc);
				await vscode.commands.executeCommand('workbench.action.files.revert');
			}
		}
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});

	/** Resolves with the first render (or the current one) for which `accept` holds. */
	function waitForLens(what: string, accept: (s: LensSnapshot) => boolean, timeoutMs = 30_000): Promise<LensSnapshot> {
		return new Promise((resolve, reject) => {
			const done = (s: LensSnapshot) => {
				clearTimeout(timer);
				clearInterval(poll);
				sub.dispose();
				resolve(s);
			};
			const check = () => {
				const s = api.lens.snapshot;
				if (s && accept(s)) done(s);
			};
			const sub = api.lens.onDidRender(s => accept(s) && done(s));
			const poll = setInterval(check, 50);
			const timer = setTimeout(() => {
				clearInterval(poll);
				sub.dispose();
				reject(new Error(`timed out waiting for ${what}; the lens shows ${JSON.stringify(api.lens.snapshot?.text)} for ${api.lens.snapshot?.uri} v${api.lens.snapshot?.version}`));
			}, timeoutMs);
			check();
		});
	}

	/**
	 * Opens a sample prompt file. Tests that type get a copy in a temporary `prompts/` folder: the web
	 * workbench auto-saves after a second (`files.autoSave` defaults to afterDelay there), and the
	 * sample workspace must never change.
	 */
	async function open(name: string, options: { readonly copy?: boolean } = {}): Promise<{ editor: vscode.TextEditor; snap: LensSnapshot }> {
		let path = join(promptsDir, name);
		if (options.copy) {
			mkdirSync(scratchPrompts, { recursive: true });
			const copy = join(scratchPrompts, name);
			copyFileSync(path, copy);
			path = copy;
		}
		const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
		const editor = await vscode.window.showTextDocument(doc);
		const uri = doc.uri.toString();
		const snap = await waitForLens(`${name} counted and priced`, s => s.uri === uri && s.version === doc.version && s.usd !== undefined);
		return { editor, snap };
	}

	async function setting(key: string, value: unknown): Promise<void> {
		await vscode.workspace.getConfiguration('agentCost').update(key, value, vscode.ConfigurationTarget.Global);
	}

	it('shows the count of a plain prompt file as one user message, its price and the model', async () => {
		const { editor, snap } = await open('code-review.prompt');
		const text = editor.document.getText();
		const want = expectedTokens('text', 'gpt-4o', text);
		assert.equal(want.tokens, countText('gpt-4o', text.trim()).tokens + 7, 'one user message = the text + 7 framing tokens (o200k)');
		assert.equal(snap.tokens, want.tokens);
		assert.equal(snap.exact, true);
		assert.equal(snap.model, 'gpt-4o');
		assert.equal(api.statusBar.id, 'agentCost.lens');
		assert.equal(api.statusBar.text, statusText(want.tokens, true, expectedUsd('gpt-4o', want.tokens), 'gpt-4o'));
		const tooltip = api.statusBar.tooltip ?? '';
		assert.match(tooltip, /one user message/);
		assert.match(tooltip, /2,048 tokens assumed/);
		assert.match(tooltip, /\| cheap \| `gpt-4o-mini` \|/);
		assert.match(tooltip, /Context window/);
	});

	it('follows typing (incl. a multi-cursor edit) with the right count', async () => {
		const { editor } = await open('code-review.prompt', { copy: true });
		const doc = editor.document;
		const end = doc.lineAt(doc.lineCount - 1).range.end;
		for (const piece of [' Also', ' check', ' for', ' integer', ' overflow.']) {
			assert.ok(await editor.edit(b => b.insert(doc.lineAt(doc.lineCount - 1).range.end, piece)));
		}
		// Two insertions in one change event (multi-cursor): offsets must be applied in the host's order.
		assert.ok(
			await editor.edit(b => {
				b.insert(new vscode.Position(0, 0), '// reviewed\n');
				b.insert(end, ' Thanks!');
			}),
		);
		const text = doc.getText();
		const want = expectedTokens('text', 'gpt-4o', text);
		const snap = await waitForLens('the count after typing', s => s.uri === doc.uri.toString() && s.version === doc.version);
		assert.equal(snap.tokens, want.tokens);
		assert.equal(api.statusBar.text, statusText(want.tokens, true, expectedUsd('gpt-4o', want.tokens), 'gpt-4o'));
	});

	it('shows the selection count (selection-aware) and the prompt again once the selection is gone', async () => {
		const { editor, snap: before } = await open('code-review.prompt');
		const doc = editor.document;
		const start = new vscode.Position(5, 0);
		const end = new vscode.Position(11, 1);
		editor.selection = new vscode.Selection(start, end);
		const selected = doc.getText(new vscode.Range(start, end));
		const want = countText('gpt-4o', selected).tokens;
		const snap = await waitForLens('the selection count', s => s.selection && s.tokens === want);
		assert.equal(api.statusBar.text, statusText(want, true, expectedUsd('gpt-4o', want), 'gpt-4o', true));
		assert.equal(snap.promptTokens, before.tokens);
		editor.selection = new vscode.Selection(start, start);
		const back = await waitForLens('the prompt count again', s => !s.selection);
		assert.equal(back.tokens, before.tokens);
	});

	it('"Choose the model" changes the model and the price, is remembered for the file, and can be dropped', async () => {
		const { editor, snap: before } = await open('code-review.prompt');
		const uri = editor.document.uri.toString();
		const text = editor.document.getText();
		await vscode.commands.executeCommand('agentCost.lens.pickModel', { model: 'claude-sonnet-4-5' });
		const claude = expectedTokens('text', 'claude-sonnet-4-5', text);
		assert.equal(claude.exact, false);
		const snap = await waitForLens('the Claude price', s => s.uri === uri && s.model === 'claude-sonnet-4-5' && s.usd !== undefined);
		assert.equal(snap.tokens, claude.tokens);
		assert.equal(snap.modelSource, 'pinned');
		assert.equal(api.statusBar.text, statusText(claude.tokens, false, expectedUsd('claude-sonnet-4-5', claude.tokens), 'claude-sonnet-4-5'));
		assert.notEqual(snap.usd, before.usd);
		assert.match(api.statusBar.tooltip ?? '', /Claude has no public tokenizer/);

		// Remembered per document: closing and reopening keeps the pick.
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
		const again = await open('code-review.prompt');
		assert.equal(again.snap.model, 'claude-sonnet-4-5');

		await vscode.commands.executeCommand('agentCost.lens.pickModel', { model: null });
		const reset = await waitForLens('the default model again', s => s.uri === uri && s.model === 'gpt-4o' && s.usd !== undefined);
		assert.equal(reset.usd, before.usd);
		assert.equal(reset.modelSource, 'default');
	});

	it('a .prompty file is priced with the model its front matter names (and its max_tokens as output)', async () => {
		const { editor, snap } = await open('support-triage.prompty');
		const want = expectedTokens('prompty', 'gpt-4o-mini', editor.document.getText());
		assert.equal(snap.model, 'gpt-4o-mini');
		assert.equal(snap.modelSource, 'file');
		assert.equal(snap.tokens, want.tokens);
		assert.equal(api.statusBar.text, statusText(want.tokens, want.exact, expectedUsd('gpt-4o-mini', want.tokens), 'gpt-4o-mini'));
		assert.match(api.statusBar.tooltip ?? '', /400 tokens assumed \(the file's `max_tokens`\)/);
		// The figure with the assumed output, on request (`agentCost.lens.cost`).
		try {
			await setting('lens.cost', 'withOutput');
			const withOutput = expectedUsd('gpt-4o-mini', want.tokens, 400);
			await waitForLens('the figure with output', s => s.model === 'gpt-4o-mini' && s.usd === withOutput);
			assert.ok(api.statusBar.text.includes(`${formatUsdPrecise(withOutput, { estimate: !want.exact })} w/ output`), api.statusBar.text);
		} finally {
			await setting('lens.cost', undefined);
		}
	});

	it('a chat JSON file counts as a chat request (messages, tool calls, framing), and follows edits once typing pauses', async () => {
		const { editor, snap } = await open('refactor-agent.messages.json', { copy: true });
		const doc = editor.document;
		const want = expectedTokens('chat', 'gpt-4o', doc.getText());
		assert.equal(snap.tokens, want.tokens);
		assert.equal(snap.format, 'chat');
		assert.equal(snap.exact, false, 'tool calls: the framing is an estimate');
		assert.notEqual(snap.tokens, countText('gpt-4o', doc.getText()).tokens, 'not the raw JSON text');
		const at = doc.getText().indexOf('keep the existing column order') + 'keep the existing column order'.length;
		assert.ok(await editor.edit(b => b.insert(doc.positionAt(at), ' and the header row')));
		const next = expectedTokens('chat', 'gpt-4o', doc.getText());
		await waitForLens('the re-parsed chat', s => s.uri === doc.uri.toString() && s.tokens === next.tokens);
	});

	/** The titles of the CodeLenses VS Code shows for `uri`, polled until `done` accepts them. */
	async function codeLenses(uri: vscode.Uri, what: string, done: (titles: string[]) => boolean): Promise<string[]> {
		let titles: string[] = [];
		for (let i = 0; i < 200; i++) {
			const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
			titles = lenses.map(l => l.command?.title ?? '').filter(t => t !== '');
			if (done(titles)) return titles;
			await new Promise(r => setTimeout(r, 100));
		}
		assert.fail(`timed out waiting for ${what}; the lenses show ${JSON.stringify(titles)}`);
	}

	it('context attribution: a CodeLens above each message and tool definition with its tokens, cost and share; edits and the setting apply', async () => {
		const { editor, snap } = await open('triage-agent.request.messages.json', { copy: true });
		const doc = editor.document;
		assert.equal(snap.model, 'gpt-4.1-mini', "the request body's model");
		const priced = (titles: string[]) => titles.length === 6 && titles.every(t => /\$\d/.test(t));
		const titles = await codeLenses(doc.uri, 'the priced parts', priced);
		assert.deepEqual(
			titles.map(t => t.split(' · ')[0]),
			['#1 system', '#2 user', '3 tool definitions', 'tool lookup_customer', 'tool search_knowledge_base', 'tool open_incident'],
		);
		const parts = readPromptFile(doc.getText(), 'chat');
		const want = countChatParts('gpt-4.1-mini', chatMessagesOf(parts), parts.tools);
		const shown = (label: string) => titles.find(t => t.startsWith(label))!;
		assert.match(shown('#1 system'), new RegExp(`^#1 system · ≈${want.parts.messages[0]} tok · ≈\\$0\\.\\d+ · \\d+%$`));
		assert.ok(shown('3 tool definitions').includes(`≈${formatTokens(want.parts.tools)} tok`), shown('3 tool definitions'));
		const share = Number(/ (\d+)%$/.exec(shown('3 tool definitions'))![1]);
		assert.equal(share, Math.round((100 * want.parts.tools) / want.tokens));
		assert.ok(
			want.parts.messages.every(m => m < want.parts.tools),
			'the tool definitions are the largest part of this request',
		);
		const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
		const system = lenses.find(l => l.command?.title.startsWith('#1 system'))!;
		assert.match(doc.lineAt(system.range.start.line).text, /^\s*\{\s*$/, 'the lens sits on the line where the message starts');

		// Typing in a message changes its lens.
		const before = shown('#2 user');
		const at = doc.getText().indexOf('month-end run starts tomorrow') + 'month-end run starts tomorrow'.length;
		assert.ok(await editor.edit(b => b.insert(doc.positionAt(at), ', and the CFO will ask why the invoices are late')));
		await codeLenses(doc.uri, 'the edited user message', t => priced(t) && t.find(x => x.startsWith('#2 user')) !== before);

		try {
			await setting('lens.attribution', false);
			await codeLenses(doc.uri, 'no lenses when attribution is off', t => t.length === 0);
		} finally {
			await setting('lens.attribution', undefined);
		}
		await codeLenses(doc.uri, 'the lenses again', priced);
	});

	it('context attribution: a lens per .prompty role section and per Markdown heading section', async () => {
		const prompty = await open('support-triage.prompty');
		const roles = await codeLenses(prompty.editor.document.uri, 'the role sections', t => t.length >= 2 && t.every(x => /\$\d/.test(x)));
		assert.deepEqual(
			roles.map(t => t.split(' · ')[0]),
			readPromptFile(prompty.editor.document.getText(), 'prompty').messages.map((m, i) => `#${i + 1} ${m.role}`),
		);
		const md = await open('summarize-pull-request.prompt.md');
		const sections = await codeLenses(md.editor.document.uri, 'the heading sections', t => t.length === 2 && t.every(x => /\$\d/.test(x)));
		assert.deepEqual(
			sections.map(t => t.split(' · ')[0]),
			['(before the first heading)', '## Pull request'],
		);
	});

	it('hides for files that are not prompts', async () => {
		await open('code-review.prompt');
		const readme = await vscode.workspace.openTextDocument(vscode.Uri.file(join(repoRoot(), 'sample-workspace', 'README.md')));
		await vscode.window.showTextDocument(readme);
		for (let i = 0; i < 100 && api.lens.snapshot !== undefined; i++) await new Promise(r => setTimeout(r, 50));
		assert.equal(api.lens.snapshot, undefined);
	});

	it('applies settings live: default model, price overrides, unknown model, context window, globs', async () => {
		const { editor, snap } = await open('code-review.prompt');
		const uri = editor.document.uri.toString();
		const text = editor.document.getText();
		try {
			await setting('lens.model', 'gpt-4.1-mini');
			const mini = await waitForLens('the new default model', s => s.uri === uri && s.model === 'gpt-4.1-mini' && s.usd !== undefined);
			assert.equal(mini.usd, expectedUsd('gpt-4.1-mini', expectedTokens('text', 'gpt-4.1-mini', text).tokens));

			// An id the worker cannot use (a space) falls back to the default instead of breaking the lens.
			await setting('lens.model', 'gpt 4.1 mini');
			await waitForLens('the default model instead of an unusable id', s => s.uri === uri && s.model === 'gpt-4o' && s.usd !== undefined);
			await setting('lens.model', 'gpt-4.1-mini');
			await waitForLens('the new default model again', s => s.uri === uri && s.model === 'gpt-4.1-mini');

			await setting('pricing.overrides', { 'gpt-4.1-mini': { input: 100, output: 0 } });
			const tokens = expectedTokens('text', 'gpt-4.1-mini', text).tokens;
			const priced = await waitForLens('the override price', s => s.uri === uri && s.usd !== undefined && Math.abs(s.usd - (tokens * 100) / 1e6) < 1e-12);
			assert.match(priced.tooltip, /Prices: override/);

			await setting('lens.model', 'acme-private-model-1');
			const unknown = await waitForLens('an unknown model', s => s.uri === uri && s.model === 'acme-private-model-1' && s.text.includes('no price'));
			assert.equal(unknown.usd, undefined);
			assert.doesNotMatch(unknown.text, /\$0/);
			assert.match(unknown.tooltip, /agentCost\.pricing\.overrides/);

			await setting('lens.model', undefined);
			await setting('contextWindowMax', 1000);
			const over = await waitForLens('the context window warning', s => s.uri === uri && s.model === 'gpt-4o' && s.warning);
			assert.match(over.text, /^\$\(warning\) /);

			await setting('contextWindowMax', undefined);
			await setting('lens.promptGlobs', ['**/*.prompty']);
			for (let i = 0; i < 100 && api.lens.snapshot !== undefined; i++) await new Promise(r => setTimeout(r, 50));
			assert.equal(api.lens.snapshot, undefined, 'no lens for a file the globs no longer cover');
		} finally {
			for (const key of ['lens.model', 'pricing.overrides', 'contextWindowMax', 'lens.promptGlobs']) await setting(key, undefined);
		}
		const back = await waitForLens('the lens back on the default settings', s => s.uri === uri && s.model === 'gpt-4o' && s.usd !== undefined && !s.warning);
		assert.equal(back.usd, snap.usd);
	});

	it('opt-in exact Claude count: after typing pauses, Anthropic countTokens (a local fake) replaces the estimate; an edit falls back to ≈', async () => {
		const key = `sk-ant-lens-${randomBytes(8).toString('hex')}`;
		const server = await startFakeProviderServer({ keys: { anthropic: key } });
		try {
			await setting('providers.anthropic.baseUrl', server.anthropicBaseUrl);
			await setting('tokens.exactClaudeCount', true);
			await api.secrets.store('anthropic', key);
			server.enqueue([{ type: 'countTokens', inputTokens: 4321 }], { endpoint: 'countTokens' });
			const { editor } = await open('code-review.prompt', { copy: true });
			const uri = editor.document.uri.toString();
			await vscode.commands.executeCommand('agentCost.lens.pickModel', { model: 'claude-sonnet-4-5' });
			const exact = await waitForLens('the exact Claude count', s => s.uri === uri && s.model === 'claude-sonnet-4-5' && s.exact && s.tokens === 4321 && s.usd !== undefined, 30_000);
			assert.equal(api.statusBar.text, statusText(4321, true, expectedUsd('claude-sonnet-4-5', 4321), 'claude-sonnet-4-5'));
			assert.match(exact.tooltip, /Exact Claude count from Anthropic's countTokens API/);
			// What went to Anthropic: the prompt as a call sends it, with the key from SecretStorage.
			const request = server.requests.find(r => r.endpoint === 'countTokens');
			assert.ok(request, 'no countTokens request reached the fake');
			// The SDK version decides between `x-api-key` and a bearer token.
			assert.ok(request.headers['x-api-key'] === key || request.headers.authorization === `Bearer ${key}`, 'the key from SecretStorage was sent');
			const body = request.body as { model: string; messages: { role: string; content: unknown }[] };
			assert.equal(body.model, 'claude-sonnet-4-5');
			assert.equal(body.messages.length, 1);
			assert.equal(JSON.stringify(body.messages[0].content).includes('careful code reviewer'), true);
			// Typing invalidates it: the estimate (≈) until the next pause.
			server.enqueue([{ type: 'countTokens', inputTokens: 4330 }], { endpoint: 'countTokens' });
			assert.ok(await editor.edit(b => b.insert(new vscode.Position(0, 0), 'Please: ')));
			const estimate = expectedTokens('text', 'claude-sonnet-4-5', editor.document.getText()).tokens;
			await waitForLens('the estimate right after the edit', s => s.uri === uri && !s.exact && s.tokens === estimate);
			await waitForLens('the new exact count after the pause', s => s.uri === uri && s.exact && s.tokens === 4330, 30_000);
		} finally {
			await vscode.commands.executeCommand('agentCost.lens.pickModel', { model: null });
			await setting('tokens.exactClaudeCount', undefined);
			await setting('providers.anthropic.baseUrl', undefined);
			await api.secrets.delete('anthropic');
			await server.close();
		}
	});

	it('reports activation and per-handler host-thread times', () => {
		const stats = api.lens.stats();
		assert.ok(stats.activation && stats.activation.totalMs > 0);
		assert.ok(Math.abs(stats.activation.totalMs - stats.activation.loadMs - stats.activation.activateMs) < 1e-6);
		for (const name of ['change', 'render', 'answer']) assert.ok((stats.handlers[name]?.count ?? 0) > 0, `${name} was timed`);
		assert.equal(stats.workerRunning, true);
	});
});
