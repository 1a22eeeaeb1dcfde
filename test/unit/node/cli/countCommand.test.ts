import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommands } from '../../../../src/node/cli/commands';
import { countCommand } from '../../../../src/node/cli/countCommand';
import { countChat, countText } from '../../../../src/core/tokens/count';
import { transcriptsDir } from '../../../support/paths';
import { runCliCaptured } from '../../../support/cliRun';

const run = (argv: string[], cwd: string, stdin = '') => runCliCaptured(argv, cwd, [countCommand], stdin);

describe('agent-cost count', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-count-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('is registered', () => {
		assert.ok(cliCommands.some(c => c.name === 'count'));
	});

	it('a FIFO is refused at once (exit 1, a one-line reason), never read forever', async function () {
		if (process.platform === 'win32') this.skip();
		this.timeout(5_000);
		assert.equal(spawnSync('mkfifo', [join(dir, 'prompt.txt')]).status, 0);
		const r = await run(['count', 'prompt.txt'], dir);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /cannot read prompt\.txt: is a FIFO \(named pipe\), not a regular file/);
	});

	it('counts a text prompt exactly for an OpenAI model (--json): one user message without its front matter, as the lens does', async () => {
		const body = '# System prompt\n\nYou are a careful reviewer. <|endoftext|> is plain text here.';
		writeFileSync(join(dir, 'p.md'), `---\ndescription: review\n---\n${body}\n`);
		const r = await run(['count', 'p.md', '--model', 'gpt-4o', '--json'], dir);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(JSON.parse(r.stdout), {
			model: 'gpt-4o',
			encoding: 'o200k_base',
			tokens: countChat('gpt-4o', [{ role: 'user', content: body }]).tokens,
			exact: true,
			format: 'text',
			messages: 1,
		});
		const raw = await run(['count', 'p.md', '--model', 'gpt-4o', '--json', '--text'], dir);
		assert.equal(JSON.parse(raw.stdout).tokens, countText('gpt-4o', `---\ndescription: review\n---\n${body}\n`).tokens, '--text counts the raw file');
		const cl = await run(['count', 'p.md', '--model', 'openai/gpt-4', '--json'], dir);
		assert.equal(JSON.parse(cl.stdout).encoding, 'cl100k_base');
	});

	it('reads stdin with "-" and prints a human line', async () => {
		const r = await run(['count', '-', '--model', 'gpt-4.1-mini'], dir, 'hello world');
		assert.equal(r.code, 0);
		assert.equal(r.stdout, `${countChat('gpt-4.1-mini', [{ role: 'user', content: 'hello world' }]).tokens} tokens in 1 message for gpt-4.1-mini (o200k_base, exact)\n`);
	});

	it('counts a chat request body as a chat, model taken from the body, matching the recorded prompt_tokens', async () => {
		const cassette = JSON.parse(readFileSync(join(transcriptsDir(), 'openai_chat', 'pydai_openai_tool_output.json'), 'utf8'));
		writeFileSync(join(dir, 'req.json'), JSON.stringify(cassette.interactions[1].request.parsed_body));
		const r = await run(['count', 'req.json', '--json'], dir);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(JSON.parse(r.stdout), {
			model: 'gpt-4o',
			encoding: 'o200k_base',
			tokens: cassette.interactions[1].response.parsed_body.usage.prompt_tokens,
			exact: false,
			format: 'chat',
			messages: 3,
		});
	});

	it('counts a bare message array as a chat, and as text with --text', async () => {
		const messages = [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi!' },
		];
		writeFileSync(join(dir, 'chat.json'), JSON.stringify(messages));
		const chat = await run(['count', 'chat.json', '--model', 'gpt-4o', '--json'], dir);
		assert.deepEqual(JSON.parse(chat.stdout), { model: 'gpt-4o', encoding: 'o200k_base', tokens: countChat('gpt-4o', messages).tokens, exact: true, format: 'chat', messages: 2 });
		const text = await run(['count', 'chat.json', '--model', 'gpt-4o', '--json', '--text'], dir);
		assert.equal(JSON.parse(text.stdout).tokens, countText('gpt-4o', JSON.stringify(messages)).tokens);
		assert.equal(JSON.parse(text.stdout).messages, undefined);
	});

	it('Claude and unknown models get a marked estimate', async () => {
		writeFileSync(join(dir, 'p.txt'), 'Explain the plan in two sentences.');
		const claude = await run(['count', 'p.txt', '--model', 'claude-sonnet-4-5'], dir);
		assert.equal(claude.code, 0);
		assert.match(claude.stdout, /^≈ \d+ tokens in 1 message for claude-sonnet-4-5 \(claude-estimate, estimate\)\n$/);
		const other = await run(['count', 'p.txt', '--model', 'mistral-large-latest', '--json'], dir);
		assert.deepEqual({ ...JSON.parse(other.stdout), tokens: 0 }, { model: 'mistral-large-latest', encoding: 'heuristic-estimate', tokens: 0, exact: false, format: 'text', messages: 1 });
	});

	it("a typo'd model is an error (exit 2) naming the closest known ids, never a count", async () => {
		writeFileSync(join(dir, 'p.txt'), 'Explain the plan in two sentences.');
		const typo = await run(['count', 'p.txt', '--model', 'gpt-4oo'], dir);
		assert.equal(typo.code, 2);
		assert.equal(typo.stdout, '');
		assert.match(typo.stderr, /unknown model "gpt-4oo".*did you mean "gpt-4o"/);
		assert.match((await run(['count', 'p.txt', '--model', 'claude-sonet-4-5'], dir)).stderr, /did you mean "claude-sonnet-4-5"/);
	});

	it('a private model id is known once a price override names it (workspace file or --overrides)', async () => {
		writeFileSync(join(dir, 'p.txt'), 'hello');
		assert.equal((await run(['count', 'p.txt', '--model', 'my-org/llm-7b'], dir)).code, 2);
		writeFileSync(join(dir, 'prices.json'), JSON.stringify({ 'my-org/*': { input: 0.2, output: 0.4 }, 'my-org/llm-7b': { input: 0.2, output: 0.4 } }));
		const r = await run(['count', 'p.txt', '--model', 'my-org/llm-7b', '--overrides', 'prices.json', '--json'], dir);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(JSON.parse(r.stdout).encoding, 'heuristic-estimate');
	});

	it('exits 2 for a missing or invalid model and a missing file argument; 1 for an unreadable file', async () => {
		writeFileSync(join(dir, 'p.txt'), 'x');
		const none = await run(['count', 'p.txt'], dir);
		assert.equal(none.code, 2);
		assert.match(none.stderr, /--model/);
		const empty = await run(['count', 'p.txt', '--model', ''], dir);
		assert.equal(empty.code, 2);
		assert.match(empty.stderr, /a model id is required/);
		const spaced = await run(['count', 'p.txt', '--model', 'gpt 4o'], dir);
		assert.equal(spaced.code, 2);
		assert.equal((await run(['count', '--model', 'gpt-4o'], dir)).code, 2);
		const missing = await run(['count', 'nope.txt', '--model', 'gpt-4o'], dir);
		assert.equal(missing.code, 1);
		assert.match(missing.stderr, /cannot read nope\.txt: no such file/);
	});
});
