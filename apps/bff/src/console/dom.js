// @ts-check
// DOM helpers of the operations console. Data only ever enters the page as text nodes or attributes (never
// innerHTML), so nothing the API returns can become markup.

/**
 * The element with this id, checked to be of the expected kind (a changed page fails loudly at start).
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} kind
 * @returns {T}
 */
export function byId(id, kind) {
  const node = document.getElementById(id);
  if (!(node instanceof kind)) throw new Error(`console page: #${id} is missing or not a ${kind.name}`);
  return node;
}

/** @typedef {Node | string | number | null | undefined} Child */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} props `class`, `data-*` attributes, or element properties
 * @param {...Child} children text (never markup) or nodes
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = String(v);
    else if (k.startsWith('data-')) node.setAttribute(k, String(v));
    else Object.assign(node, { [k]: v });
  }
  for (const c of children)
    node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';
/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {string} [text]
 */
export function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string | null} s */
export const when = (s) => (s ? s.replace('T', ' ').slice(0, 19) : '');
/** @param {string | null} s */
export const short = (s) => (s && s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s || '');
