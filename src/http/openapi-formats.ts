/**
 * Issue 14 item 5 — request fields marked `x-format: uri` are documented as `format: uri` in the
 * OpenAPI document, while the validator keeps their own rule: a redirect URL may carry the
 * `{{qualification_session_id}}` placeholder, which a strict URI check would refuse, and a webhook
 * URL is judged by the endpoints service (with its own messages).
 */
export function documentFormats<T>(original: T): T {
  // A copy: the document may share objects with the live route schemas, which keep `x-format`.
  const document = structuredClone(original);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record['x-format'] === 'string') {
      record.format = record['x-format'];
      delete record['x-format'];
    }
    for (const value of Object.values(record)) walk(value);
  };
  walk(document);
  return document;
}
