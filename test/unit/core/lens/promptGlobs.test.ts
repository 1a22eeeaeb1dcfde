import * as assert from 'node:assert/strict';
import { defaultPromptGlobs } from '../../../../src/core/config/defaults';
import { createPromptMatcher, globToRegExp, promptFormatOf } from '../../../../src/core/prompts/promptGlobs';

describe('lens prompt globs', () => {
	const defaults = createPromptMatcher(defaultPromptGlobs);

	const cases: [string, string | undefined, boolean][] = [
		['/ws/code-review.prompt', 'code-review.prompt', true],
		['/ws/a/b/support.prompty', 'a/b/support.prompty', true],
		['/ws/summarize.prompt.md', 'summarize.prompt.md', true],
		['/ws/prompts/system/planner.md', 'prompts/system/planner.md', true],
		['/ws/pkg/prompts/notes.txt', 'pkg/prompts/notes.txt', true],
		['/ws/prompts/refactor-agent.messages.json', 'prompts/refactor-agent.messages.json', true],
		['/ws/chat.messages.jsonl', 'chat.messages.jsonl', true],
		// Outside prompts/, Markdown and text are ordinary files.
		['/ws/README.md', 'README.md', false],
		['/ws/docs/prompts.md', 'docs/prompts.md', false],
		['/ws/notes.txt', 'notes.txt', false],
		['/ws/package.json', 'package.json', false],
		['/ws/x.prompt.bak', 'x.prompt.bak', false],
		['/ws/myprompts/a.md', 'myprompts/a.md', false],
		// Files outside any workspace folder match the `**/` globs on their absolute path.
		['/tmp/bench/big.prompt', undefined, true],
		['C:\\Users\\me\\prompts\\a.md', undefined, true],
		// Case-insensitive, like file systems on macOS and Windows.
		['/ws/Review.PROMPT', 'Review.PROMPT', true],
	];
	for (const [abs, rel, expected] of cases) {
		it(`${expected ? 'matches' : 'skips'} ${abs}`, () => assert.equal(defaults.matches(abs, rel), expected));
	}

	it('a glob without **/ is relative to the workspace folder', () => {
		const m = createPromptMatcher(['agents/*.md']);
		assert.equal(m.matches('/ws/agents/a.md', 'agents/a.md'), true);
		assert.equal(m.matches('/ws/x/agents/a.md', 'x/agents/a.md'), false);
		assert.equal(m.matches('/ws/agents/a.md'), false, 'no relative path: not in the workspace');
		assert.equal(m.matches('/ws/agents/sub/a.md', 'agents/sub/a.md'), false, '* does not cross folders');
	});

	it('supports {a,b}, ?, [abc] and [!abc]', () => {
		assert.ok(globToRegExp('**/*.{prompt,prompty}').test('/a/b.prompty'));
		assert.ok(!globToRegExp('**/*.{prompt,prompty}').test('/a/b.promptx'));
		assert.ok(globToRegExp('v?.md').test('v1.md'));
		assert.ok(!globToRegExp('v?.md').test('v12.md'));
		assert.ok(globToRegExp('[ab].md').test('a.md'));
		assert.ok(!globToRegExp('[!ab].md').test('a.md'));
		assert.ok(globToRegExp('[!ab].md').test('c.md'));
		assert.ok(globToRegExp('a/**').test('a/b/c'));
		assert.ok(globToRegExp('**').test('/any/thing'));
		// Regex characters in a glob are literal.
		assert.ok(globToRegExp('a+b(1).md').test('a+b(1).md'));
		assert.ok(!globToRegExp('a.md').test('abmd'));
	});

	it('skips empty and malformed globs with a problem instead of throwing', () => {
		const m = createPromptMatcher(['', '**/*.{md', '**/[abc.md', '**/*.prompt']);
		assert.equal(m.problems.length, 3);
		assert.ok(m.problems.every(p => p.startsWith('agentCost.lens.promptGlobs')));
		assert.equal(m.matches('/ws/a.prompt', 'a.prompt'), true);
		assert.equal(createPromptMatcher([]).matches('/ws/a.prompt', 'a.prompt'), false);
	});

	it('decides the counting format by file name', () => {
		assert.equal(promptFormatOf('/ws/a.messages.json'), 'chat');
		assert.equal(promptFormatOf('/ws/a.messages.JSONL'), 'chat');
		assert.equal(promptFormatOf('/ws/a.prompty'), 'prompty');
		assert.equal(promptFormatOf('/ws/a.prompt'), 'text');
		assert.equal(promptFormatOf('/ws/prompts/a.md'), 'text');
	});
});

describe('lens model ids (the worker rule, checked on the host)', () => {
	it('accepts provider-prefixed and dated ids, refuses blanks, spaces, control characters and absurd lengths', async () => {
		const { modelIdProblem } = await import('../../../../src/core/tokens/modelId');
		const { checkModelId } = await import('../../../../src/core/tokens/count');
		for (const ok of ['gpt-4o', 'openai/gpt-4.1-mini', 'claude-sonnet-4-5-20250929', 'my-org/custom:v2']) {
			assert.equal(modelIdProblem(ok), undefined, ok);
			assert.doesNotThrow(() => checkModelId(ok));
		}
		for (const bad of ['', '   ', 'my model', 'a\tb', 'x\u0000', 'm'.repeat(201)]) {
			assert.ok(modelIdProblem(bad), JSON.stringify(bad));
			assert.throws(() => checkModelId(bad), JSON.stringify(bad));
		}
	});
});
