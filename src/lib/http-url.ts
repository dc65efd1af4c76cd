/**
 * Issue 13 item 6 — merchant redirect URLs (`success_url`, `failure_url`). Any absolute http(s) URL
 * the WHATWG parser accepts is taken, non-ASCII included (`https://bücher.example/danké`), and
 * stored as given; the shopper is sent to its ASCII form (punycode host, percent-encoded path and
 * query), the only form a `Location` header can carry.
 */
export function isHttpUrl(text: string): boolean {
  return asciiHttpUrl(text) !== null;
}

/** The URL as a `Location` can carry it, or null when it is not an absolute http(s) URL. */
export function asciiHttpUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // For http(s) the serialisation is ASCII by construction; checked so a header can never fail.
  return /^[\x21-\x7e]+$/.test(url.href) ? url.href : null;
}
