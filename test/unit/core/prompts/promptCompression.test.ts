import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { jsonStringValues, replaceJsonStrings } from '../../../../src/core/compression/jsonStrings';
import { losslessText, minifyJsonText, type RuleCounts } from '../../../../src/core/compression/prompt';
import { compressPromptFile, writeUnits, type PromptCompressionRequest } from '../../../../src/core/prompts/promptCompression';
import type { PromptCompressionResult } from '../../../../src/core/compression/types';
import type { TokenCounter } from '../../../../src/core/ports/tokenCounter';
import { promptFormatOf } from '../../../../src/core/prompts/promptGlobs';
import { readPromptFile } from '../../../../src/core/prompts/promptFile';
import { countChat, countText } from '../../../../src/core/tokens/count';
import { repoRoot } from '../../../support/paths';
import { wordCounter } from '../../../support/policyFakes';

/** The real tokenizers: savings are real o200k tokens of what the API receives. */
const counter: TokenCounter = { countText, countChat };
const model = 'gpt-4o';
const samples = join(repoRoot(), 'sample-workspace', 'prompts');
const sample = (name: string) => readFileSync(join(samples, name), 'utf8');
const file = (name: string, text = sample(name)): PromptCompressionRequest => ({ text, format: promptFormatOf(name), model });
const lossless = (text: string) => losslessText(text, new Map() as RuleCounts);

/** The words of a text, lowercased, in order (for "which words did a rule drop"). */
const wordsOf = (t: string) => t.toLowerCase().match(/[a-z']+/g) ?? [];

describe('Compress Prompt: the text rules', () => {
	it('lossless: whitespace, blank lines, duplicate lines, CRLF; fenced and indented code untouched', () => {
		const text = 'Title  here   \r\n\r\n\r\n\r\nSame line\r\nSame line\r\n```py\nx  =  1\n\n\n\n```\n    keep  =  aligned\n"keep   these  spaces"\n';
		const changes: RuleCounts = new Map();
		const out = losslessText(text, changes);
		assert.equal(out, 'Title here\n\nSame line\n```py\nx  =  1\n\n\n\n```\n    keep  =  aligned\n"keep   these  spaces"\n');
		assert.deepEqual([...changes.keys()].sort(), ['blankLines', 'duplicateLines', 'lineEndings', 'whitespace']);
		assert.equal(lossless(out), out, 'idempotent');
	});

	it('lossless JSON minify keeps big numbers and duplicate keys byte for byte', () => {
		assert.equal(lossless('{\n  "id": 12345678901234567890,\n  "a": "x  y",\n  "a": 1.50\n}'), '{"id":12345678901234567890,"a":"x  y","a":1.50}');
		assert.equal(minifyJsonText('{ "a\\" b" : [ 1 , "\\\\" ] }'), '{"a\\" b":[1,"\\\\"]}');
	});

	it('lossless is lossless for JSON semantics and idempotent (property)', () => {
		fc.assert(
			fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, '\t'), (v, indent) => {
				const text = JSON.stringify(v, null, indent);
				const out = lossless(text);
				assert.deepEqual(JSON.parse(out), JSON.parse(text));
				assert.equal(lossless(out), out);
			}),
			{ numRuns: 300 },
		);
		fc.assert(
			fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\r\n', '\t', 'b', '`', '"', '```') }), text => {
				const once = lossless(text);
				assert.equal(lossless(once), once);
			}),
			{ numRuns: 500 },
		);
	});
});

describe('Compress Prompt: writeUnits', () => {
	it('a unit that the new texts do not cover keeps its bytes (it is not written as "undefined")', () => {
		const text = 'aaa|bbb';
		const units = [
			{ start: 0, end: 3, text: 'aaa', json: false },
			{ start: 4, end: 7, text: 'bbb', json: false },
		];
		assert.equal(writeUnits(text, units, ['AA', 'BB']), 'AA|BB');
		assert.equal(writeUnits(text, units, ['AA']), 'AA|bbb');
	});
});

describe('Compress Prompt: jsonStrings', () => {
	it('finds every string value (not key) with its path and span', () => {
		const text = '{ "messages": [ {"role": "user", "content": "a \\"q\\""}, {"role": "tool", "content": [{"type": "text", "text": "x"}]} ], "n": 1 }';
		const found = jsonStringValues(text)!;
		assert.deepEqual(
			found.map(v => [v.path, v.value]),
			[
				[['messages', 0, 'role'], 'user'],
				[['messages', 0, 'content'], 'a "q"'],
				[['messages', 1, 'role'], 'tool'],
				[['messages', 1, 'content', 0, 'type'], 'text'],
				[['messages', 1, 'content', 0, 'text'], 'x'],
			],
		);
		for (const v of found) assert.deepEqual(JSON.parse(text.slice(v.start, v.end)), v.value);
		assert.equal(jsonStringValues('{"a": '), undefined);
	});

	it('replacing strings keeps every other byte and yields the same JSON with the new values (property)', () => {
		fc.assert(
			fc.property(fc.jsonValue(), fc.constantFrom(0, 2, '\t'), (v, indent) => {
				const text = JSON.stringify(v, null, indent);
				const found = jsonStringValues(text)!;
				assert.equal(replaceJsonStrings(text, found), text, 'identity edits change nothing');
				const upper = replaceJsonStrings(
					text,
					found.map(f => ({ ...f, value: f.value.toUpperCase() })),
				);
				const walk = (x: unknown): unknown =>
					typeof x === 'string' ? x.toUpperCase() : Array.isArray(x) ? x.map(walk) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)])) : x;
				assert.deepEqual(JSON.parse(upper), walk(JSON.parse(text)));
			}),
			{ numRuns: 300 },
		);
	});
});

describe('Compress Prompt: savings are counted as the API receives them', () => {
	it('the sample prompts are already tight: lossless says "nothing to save" and offers no change', () => {
		for (const name of ['code-review.prompt', 'refactor-agent.messages.json', 'summarize-pull-request.prompt.md', 'support-triage.prompty', 'system/planner.md']) {
			const r = compressPromptFile(file(name), counter, 'lossless');
			assert.equal(r.verdict, 'unchanged', name);
			assert.equal(r.text, r.original, name);
			assert.equal(r.tokensAfter, r.tokensBefore, name);
			assert.match(r.note!, /^Nothing to save: /, name);
		}
	});

	it('chat JSON: the file layout is not a saving (re-serialized before sending), and says so', () => {
		const text = sample('refactor-agent.messages.json');
		const value = JSON.parse(text);
		const layouts = [text, JSON.stringify(value), JSON.stringify(value, null, 8)];
		const counts = layouts.map(t => compressPromptFile(file('refactor-agent.messages.json', t), counter, 'lossless'));
		// The same request whatever the layout: minified, tab-indented or 8-space indented.
		assert.equal(new Set(counts.map(r => r.tokensBefore)).size, 1);
		for (const r of counts) {
			assert.equal(r.verdict, 'unchanged');
			assert.match(r.note!, /JSON layout .* is not a saving: the messages are re-serialized before sending/);
		}
	});

	it('chat JSON: only the prose of system/user/assistant messages is rewritten; tool data and layout stay byte for byte', () => {
		const toolOutput = 'col_a    col_b\n\n\n\n1    2';
		const text = JSON.stringify(
			{
				model: 'gpt-4o',
				messages: [
					{ role: 'system', content: 'You review   code.\n\n\n\nBe   brief.' },
					{ role: 'user', content: [{ type: 'text', text: 'Please note that the file is   large.' }] },
					{ role: 'tool', tool_call_id: 'c1', content: toolOutput },
				],
			},
			null,
			'\t',
		);
		const r = compressPromptFile(file('x.messages.json', text), counter, 'lossy', 0.5);
		assert.equal(r.verdict, 'saves');
		assert.ok(r.tokensAfter < r.tokensBefore);
		const out = JSON.parse(r.text);
		assert.equal(out.messages[0].content, 'You review code.\n\nBe brief.');
		assert.equal(out.messages[1].content[0].text, 'The file is large.');
		assert.equal(out.messages[2].content, toolOutput, 'tool results are data');
		// Outside the two rewritten strings, every byte (tabs, keys, order) is the author's.
		const skeleton = (t: string) => t.replace(/"content": "(?:[^"\\]|\\.)*"|"text": "(?:[^"\\]|\\.)*"/g, '""');
		assert.equal(skeleton(r.text), skeleton(text));
		assert.match(r.note!, /Counted as sent: the message texts/);
	});

	it('text prompts: blank lines around the body are not sent, so removing them is not a saving', () => {
		const r = compressPromptFile(file('p.prompt', '\n\n\nReview the diff.\n\n\n\n\n'), counter, 'lossless');
		assert.equal(r.verdict, 'noSaving');
		assert.equal(r.text, r.original, 'nothing to apply');
		assert.match(r.note!, /the API receives \d+ tokens either way/);
	});

	it('a real saving: whitespace inside the body is sent, so removing it is counted', () => {
		const r = compressPromptFile(file('p.prompt', 'Review   the   diff.\n\n\n\nList    the    risks.\n'), counter, 'lossless');
		assert.equal(r.verdict, 'saves');
		assert.equal(r.text, 'Review the diff.\n\nList the risks.\n');
		assert.ok(r.tokensAfter < r.tokensBefore, `${r.tokensBefore} → ${r.tokensAfter}`);
		assert.deepEqual(r.changes.map(c => c.rule).sort(), ['blankLines', 'whitespace']);
	});

	it('a file that sends nothing (not a chat) says so instead of counting its bytes', () => {
		const r = compressPromptFile(file('notes.json', '{"title":   "not a chat"}'), counter, 'lossless');
		assert.equal(r.verdict, 'unchanged');
		assert.match(r.note!, /nothing is sent from this file/);
	});
});

describe('Compress Prompt: the README table of the sample prompts', () => {
	it('says what the command computes (sent tokens with the model each file names)', () => {
		const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
		const section = readme.slice(readme.indexOf('### Compress Prompt on the sample prompts'));
		const rows = [...section.matchAll(/^\| `([^`]+)` \| ≈?([\d,]+) \| ([^|]+) \| ([^|]+) \|$/gm)];
		assert.equal(rows.length, 6, 'one row per sample prompt');
		for (const [, name, sent, losslessCell, lossyCell] of rows) {
			const req = file(name);
			const named = { ...req, model: readPromptFile(req.text, req.format).model ?? model };
			const cells: [string, PromptCompressionResult][] = [
				[losslessCell, compressPromptFile(named, counter, 'lossless')],
				[lossyCell, compressPromptFile(named, counter, 'lossy', 0.8)],
			];
			for (const [cell, r] of cells) {
				assert.equal(r.tokensBefore, Number(sent.replace(/,/g, '')), `${name}: sent tokens`);
				if (/^nothing to save/.test(cell.trim())) assert.notEqual(r.verdict, 'saves', `${name} ${r.strategy}`);
				else assert.equal(Number(/^≈?([\d,]+)/.exec(cell.trim())?.[1].replace(/,/g, '')), r.tokensAfter, `${name} ${r.strategy}: ${cell}`);
			}
		}
	});
});

describe('Compress Prompt: lossy keeps structure and reads as English', () => {
	it('the wordy sample: filler and wordy phrases go, the sentences stay English; front matter, YAML, quotes, URL, numbers untouched', () => {
		const text = sample('onboarding-reply.prompt.md');
		const r = compressPromptFile(file('onboarding-reply.prompt.md', text), counter, 'lossy', 0.8);
		assert.equal(r.verdict, 'saves');
		const front = text.slice(0, text.indexOf('---', 3) + 4);
		assert.ok(r.text.startsWith(front), 'front matter byte for byte');
		for (const kept of [
			'settings_path: Settings > Bank feeds > Add account\nsupported_banks: 1,200 banks in the US and Canada\nsync_interval_hours: 24',
			'"Import transactions"',
			'https://help.ledgerly.example/import-csv.',
			'billing@ledgerly.example',
			'"Did that work for you?"',
			'{{question}}',
			'at most 120 words',
		])
			assert.ok(r.text.includes(kept), `lost ${kept}`);
		// The rewritten sentences, exactly: grammatical, with their articles and prepositions.
		for (const sentence of [
			'The customer has just signed up and is new to accounting software.',
			'Answer the question to help them connect their first bank account as quickly as possible.',
			'You should always ensure that every step you describe exists in the app.',
			'If the customer\'s bank is not supported, explain that they can upload a CSV export with the "Import transactions" button',
			'Because bank connections can take up to 24 hours to sync, tell them',
		])
			assert.ok(r.text.includes(sentence), `missing: ${sentence}\n${r.text}`);
		assert.equal((r.text.match(/Do not make up menu names\./g) ?? []).length, 1, 'the repeated sentence is dropped once');
		assert.ok(r.tokensAfter < r.tokensBefore);
		assert.equal(r.targetReached, r.ratio <= 0.8);
	});

	it('dropping an intensifier keeps the article in agreement ("a very important" → "an important")', () => {
		const text = 'This is a very important step. Use an extremely big buffer. A very unusual case. It is a really useful tool. Read the very first line.\n';
		const r = compressPromptFile(file('p.prompt', text), counter, 'lossy', 0.1);
		assert.equal(r.text, 'This is an important step. Use a big buffer. An unusual case. It is a useful tool. Read the first line.\n');
	});

	it('Prompty: front matter (model, sample values) and role markers are never rewritten', () => {
		const text = [
			'---',
			'name: Basically a very wordy prompt',
			'sample:',
			'  question: Please note that this is very really basically sample data',
			'---',
			'system:',
			'Please note that you basically answer in order to help.',
			'',
			'user:',
			'{{question}}',
			'',
		].join('\n');
		const r = compressPromptFile(file('t.prompty', text), counter, 'lossy', 0.5);
		assert.equal(r.verdict, 'saves');
		assert.ok(r.text.startsWith(text.slice(0, text.indexOf('system:'))), 'front matter byte for byte');
		assert.ok(r.text.includes('system:\nYou answer to help.\n\nuser:\n{{question}}'), r.text);
	});

	it('a selection: only the selected text changes, and selected front matter is still kept', () => {
		const text = '---\nmodel: gpt-4o\n---\nPlease note that   the first part is wordy.\nIn order to finish, basically read the second part.\n';
		const start = 4; // inside the front matter
		const end = text.indexOf('In order');
		const r = compressPromptFile({ ...file('s.prompt.md', text), range: { start, end } }, counter, 'lossy', 0.5);
		assert.equal(r.verdict, 'saves');
		assert.equal(r.original, text.slice(start, end));
		assert.equal(r.text, 'model: gpt-4o\n---\nThe first part is wordy.\n');
	});

	it('lossy never drops articles, prepositions, pronouns or verbs — only the listed filler and phrases (property)', () => {
		// Ordinary words, none of which is a rule's trigger.
		const plain = fc.constantFrom(
			'the',
			'a',
			'an',
			'of',
			'in',
			'on',
			'with',
			'to',
			'is',
			'are',
			'that',
			'which',
			'this',
			'your',
			'agent',
			'reads',
			'file',
			'tool',
			'result',
			'not',
			'only',
			'and',
			'or',
			'never',
		);
		const sentence = fc.array(plain, { minLength: 3, maxLength: 12 }).map(ws => `${ws.join(' ')}.`);
		fc.assert(
			fc.property(fc.array(sentence, { minLength: 1, maxLength: 6 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (sentences, ratio) => {
				const text = sentences.join(' ') + '\n';
				const r = compressPromptFile(file('p.prompt', text), counter, 'lossy', ratio);
				const kept = r.verdict === 'saves' ? r.text : text;
				// Only whole repeated sentences may go (the third stage); every other word stays, in order.
				const dropped = wordsOf(text).length - wordsOf(kept).length;
				assert.ok(dropped === 0 || r.changes.some(c => c.rule === 'duplicateSentences'), `dropped words from ${JSON.stringify(text)} → ${JSON.stringify(kept)}`);
				const unique = [...new Set(sentences.filter(s => s.length >= 20))];
				if (dropped === 0) assert.deepEqual(wordsOf(kept), wordsOf(text));
				else for (const s of unique) assert.ok(kept.toLowerCase().includes(s.toLowerCase()), `lost the first "${s}"`);
			}),
			{ numRuns: 300 },
		);
	});

	it('lossy never touches protected spans, negations, or YAML blocks (property)', () => {
		const prose = fc
			.array(fc.constantFrom('please', 'note that', 'basically', 'very', 'in order to', 'agent', 'tool', 'result', 'not', 'only', 'The', 'Will', 'in', 'and', 'the'), { minLength: 1, maxLength: 12 })
			.map(w => w.join(' '));
		const prot = fc.oneof(
			fc.integer({ min: 0, max: 99999 }).map(n => String(n)),
			prose.map(p => `"${p}"`),
			prose.map(p => `\`${p}\``),
			prose.map(p => `\n\`\`\`\n${p}\n\`\`\`\n`),
			prose.map(p => `\nkey_one: ${p}\nkey_two: ${p}\n`),
			fc.constantFrom('user_id', 'the.config', 'getTheValue', 'https://x.example/the/a', '{{the_var}}', 'very-long-name'),
		);
		fc.assert(
			fc.property(fc.array(fc.tuple(prose, prot), { minLength: 1, maxLength: 6 }), fc.double({ min: 0.1, max: 0.95, noNaN: true }), (parts, ratio) => {
				const text = parts.map(([p, q]) => `${p} ${q}`).join(' ');
				const r = compressPromptFile(file('p.prompt', text), wordCounter, 'lossy', ratio);
				for (const [, q] of parts) assert.ok(r.text.includes(q.trim()), `lost ${JSON.stringify(q)} in ${JSON.stringify(r.text)}`);
				const nots = (t: string) => (t.replace(/"[^"]*"|`[^`]*`/g, '').match(/\bnot\b/gi) ?? []).length;
				assert.ok(nots(r.text) >= nots(text));
				assert.ok(r.tokensAfter <= r.tokensBefore);
			}),
			{ numRuns: 300 },
		);
	});
});
