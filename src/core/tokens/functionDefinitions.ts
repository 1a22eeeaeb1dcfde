import type { ToolDefinitionLike } from './types';

/**
 * Renders tool definitions the way OpenAI's chat models see them: JSON schemas become a TypeScript
 * namespace in the system message. The layout (comment lines for descriptions, `?` for optional
 * properties, string enums as unions) follows the format documented by OpenAI's tool-calling models
 * and reverse-engineered against the API by hmarr/openai-chat-tokens; its token count plus a fixed
 * overhead reproduces the recorded `prompt_tokens` (see chatOverhead.ts).
 */
export function renderFunctionNamespace(tools: readonly ToolDefinitionLike[]): string {
	const lines = ['namespace functions {', ''];
	for (const tool of tools) {
		if (tool.description) lines.push(`// ${tool.description}`);
		const params = asSchema(tool.parameters);
		if (params && Object.keys(asRecord(params.properties)).length > 0) {
			lines.push(`type ${tool.name} = (_: {`);
			lines.push(renderProperties(params, 0));
			lines.push('}) => any;');
		} else {
			lines.push(`type ${tool.name} = () => any;`);
		}
		lines.push('');
	}
	lines.push('} // namespace functions');
	return lines.join('\n');
}

type Schema = Record<string, unknown>;

function asSchema(v: unknown): Schema | undefined {
	return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Schema) : undefined;
}

function asRecord(v: unknown): Record<string, unknown> {
	return asSchema(v) ?? {};
}

function renderProperties(schema: Schema, indent: number): string {
	const required = Array.isArray(schema.required) ? schema.required : [];
	const lines: string[] = [];
	for (const [name, raw] of Object.entries(asRecord(schema.properties))) {
		const prop = asSchema(raw) ?? {};
		if (typeof prop.description === 'string' && prop.description) lines.push(`// ${prop.description}`);
		lines.push(`${name}${required.includes(name) ? '' : '?'}: ${renderType(prop, indent)},`);
	}
	return lines.map(line => ' '.repeat(indent) + line).join('\n');
}

function renderType(prop: Schema, indent: number): string {
	if (Array.isArray(prop.enum)) return prop.enum.map(v => (typeof v === 'string' ? `"${v}"` : String(v))).join(' | ');
	if ('const' in prop) return typeof prop.const === 'string' ? `"${prop.const}"` : String(prop.const);
	const alternatives = Array.isArray(prop.anyOf) ? prop.anyOf : Array.isArray(prop.oneOf) ? prop.oneOf : undefined;
	if (alternatives) return alternatives.map(a => renderType(asSchema(a) ?? {}, indent)).join(' | ');
	const type = prop.type;
	if (Array.isArray(type)) return type.map(t => renderType({ ...prop, type: t }, indent)).join(' | ');
	switch (type) {
		case 'string':
			return 'string';
		case 'number':
		case 'integer':
			return 'number';
		case 'boolean':
			return 'boolean';
		case 'null':
			return 'null';
		case 'object':
			return ['{', renderProperties(prop, indent + 2), '}'].join('\n');
		case 'array': {
			const items = asSchema(prop.items);
			return items ? `${renderType(items, indent)}[]` : 'any[]';
		}
		default:
			return 'any';
	}
}
