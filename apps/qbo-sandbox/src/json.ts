// Stored docs are immutable (every change stores a new object), so each one is serialised only once.
const cache = new WeakMap<object, string>();

export function docJson(doc: object): string {
  let s = cache.get(doc);
  if (s === undefined) {
    s = JSON.stringify(doc);
    cache.set(doc, s);
  }
  return s;
}

/** `{"<key>":<cached doc>,"time":"..."}` without re-serialising the doc. */
export function entityResponse(key: string, doc: object, time: string): string {
  return `{"${key}":${docJson(doc)},"time":"${time}"}`;
}
