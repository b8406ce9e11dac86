/**
 * The one way the console puts anything on screen: elements made with
 * createElement, values as text nodes. Every field shown comes from a
 * statement someone else wrote (a service name, a package, a commit
 * message could hold markup), so nothing here ever parses a string as HTML,
 * and no attribute can be an event handler or a script URL.
 */
import { utcText } from "./utc.ts";

export type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    // handlers are attached with addEventListener by the console's own code, never from data
    if (/^on/i.test(name)) throw new Error(`h(): refusing an event-handler attribute ${name}`);
    if ((name === "href" || name === "src") && typeof value === "string" && !value.startsWith("/")) throw new Error(`h(): ${name} must be a path of this console, got ${value}`);
    element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** A link inside the console, followed without reloading the page. */
export function link(path: string, ...children: Child[]): HTMLAnchorElement {
  return h("a", { href: path, "data-nav": true }, ...children);
}

/** A definition list of label → value rows; a null value shows as a dash. */
export function fields(rows: readonly [string, Child | Child[]][]): HTMLDListElement {
  const list = h("dl", { class: "fields" });
  for (const [label, value] of rows) list.append(h("dt", {}, label), h("dd", {}, ...(Array.isArray(value) ? value : [value ?? "—"])));
  return list;
}

/** A table with a caption and column headers; each row is a list of cells. */
export function table(caption: string, headers: readonly string[], rows: readonly Child[][], attributes: Attributes = {}): HTMLTableElement {
  return h(
    "table",
    attributes,
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headers.map((label) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, ...rows.map((cells) => h("tr", {}, ...cells.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))),
  );
}

export function badge(text: string, tone: "ok" | "bad" | "warn" | "muted" = "muted"): HTMLSpanElement {
  return h("span", { class: `badge ${tone}` }, text);
}

export function mono(text: string): HTMLElement {
  return h("code", {}, text);
}

export const shortDigest = (hex: string) => `sha256:${hex.slice(0, 12)}…`;

/** An ISO time in UTC to the second (utc.ts), the value as recorded in the tooltip. */
export function time(iso: string): HTMLTimeElement {
  return h("time", { datetime: iso, title: iso }, utcText(iso));
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element, made as `h` makes HTML ones: attributes from the console's own code, values as text nodes only. */
export function svg(tag: "svg" | "g" | "line" | "polyline" | "circle" | "text" | "title", attributes: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (/^on/i.test(name) || /href$/i.test(name)) throw new Error(`svg(): refusing the attribute ${name}`);
    element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}
