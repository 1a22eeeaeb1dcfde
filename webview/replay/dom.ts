// DOM helpers of the panel. Transcript content is untrusted: text only ever goes in through
// `textContent` / attributes, never `innerHTML`; styling is by classes (the CSP forbids inline styles).
import type { TableModel } from './tableModels';

type Tag = keyof HTMLElementTagNameMap;

/** Creates an element with attributes and (optionally) text. */
export function el<K extends Tag>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, text?: string): HTMLElementTagNameMap[K] {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === false) continue;
		node.setAttribute(k, v === true ? '' : v);
	}
	if (text !== undefined) node.textContent = text;
	return node;
}

/** Replaces the children of `parent`. */
export function setChildren(parent: Element, ...children: (Node | string | undefined | false)[]): void {
	parent.replaceChildren(...children.filter((c): c is Node | string => c !== undefined && c !== false));
}

/** Shows or hides an element (the `hidden` attribute; no inline styles). */
export function show(node: Element, visible: boolean): void {
	node.toggleAttribute('hidden', !visible);
}

/**
 * A plain, accessible table (caption, column headers with scope) styled by the panel's CSS with
 * theme variables. `onRow` makes rows selectable by click and by keyboard (Enter/Space).
 */
export function renderTable(model: TableModel, id: string, onRow?: (key: string) => void): HTMLTableElement {
	const table = el('table', { id, class: 'data' });
	table.append(el('caption', {}, model.caption));
	const head = el('thead');
	const hr = el('tr');
	for (const c of model.columns) hr.append(el('th', { scope: 'col', class: c.numeric ? 'num' : undefined, title: c.title }, c.label));
	head.append(hr);
	const body = el('tbody');
	for (const row of model.rows) {
		const tr = el('tr', { 'data-key': row.key, class: row.cls });
		if (onRow) {
			tr.tabIndex = 0;
			tr.setAttribute('aria-selected', String(row.cls?.split(' ').includes('selected') ?? false));
			tr.classList.add('selectable');
			tr.addEventListener('click', () => onRow(row.key));
			tr.addEventListener('keydown', e => {
				if (e.key === 'Enter' || e.key === ' ') {
					e.preventDefault();
					onRow(row.key);
				}
			});
		}
		row.cells.forEach((cell, i) => {
			const cls = [cell.numeric ? 'num' : '', cell.cls ?? ''].filter(Boolean).join(' ');
			const td = el(i === 0 ? 'th' : 'td', { class: cls || undefined, title: cell.title, ...(i === 0 && { scope: 'row' }) }, cell.text);
			tr.append(td);
		});
		body.append(tr);
	}
	table.append(head, body);
	return table;
}
