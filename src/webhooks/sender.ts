import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { BlockedAddressError, guardedLookup, isBlockedAddress } from './ssrf.js';

/** SPEC §3.3 — 10 s for the whole exchange. */
export const SEND_TIMEOUT_MS = 10_000;
/** SPEC §3.4 — the first 1 KiB of the response is kept with the attempt. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Aborts the request (shutdown). */
  signal?: AbortSignal;
}

/**
 * Issue 13 item 1 — what a merchant sees (attempt rows, the API, the CLI) for a target that could
 * not be reached: the same words whether it was blocked, refused, reset or unresolvable, so
 * webhook errors cannot map which internal addresses and ports answer.
 */
export const CONNECTION_FAILED = 'connection failed';

export interface SendResult {
  /** HTTP status, or null when no response arrived (timeout, refused, DNS, blocked address). */
  statusCode: number | null;
  /** What is recorded and shown to the merchant. */
  error: string | null;
  /** The precise cause of a connection failure, for the operator's log only. */
  detail?: string;
  durationMs: number;
  responseBody: string | null;
  retryAfter?: string;
}

export type Sender = (request: SendRequest) => Promise<SendResult>;

export interface HttpSender {
  send: Sender;
  close(): Promise<void>;
}

/**
 * The real HTTP sender: undici with redirects not followed (undici's `request` never follows
 * them), a 10 s budget, and — unless private webhooks are allowed — an SSRF check on the address
 * each connection actually uses (SPEC §3.4, connect time). Connections are kept alive and reused
 * per origin; the check runs in the agent's `lookup`, so every new connection is judged before it
 * opens and a reused one was judged when it opened.
 */
export function createHttpSender(options: {
  allowPrivate: boolean;
  /** Issue 13 item 1 — production refuses plain-http targets. */
  httpsOnly?: boolean;
  timeoutMs?: number;
}): HttpSender {
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  const agent = new Agent({
    connect: {
      timeout: timeoutMs,
      ...(options.allowPrivate ? {} : { lookup: guardedLookup as never }),
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const send: Sender = async (req) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const target = new URL(req.url);
      if (options.httpsOnly && target.protocol !== 'https:')
        return { statusCode: null, error: 'url must be https', durationMs: elapsed(), responseBody: null };
      const host = target.hostname.replace(/^\[|\]$/g, '');
      // An address literal never goes through `lookup`: judge it here.
      if (!options.allowPrivate && isIP(host) && isBlockedAddress(host))
        throw new BlockedAddressError(host, host);
      const signals = [AbortSignal.timeout(timeoutMs)];
      if (req.signal) signals.push(req.signal);
      const response = await request(target, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        dispatcher: agent,
        signal: AbortSignal.any(signals),
      });
      const excerpt = await readExcerpt(response.body);
      const retryAfter = response.headers['retry-after'];
      return {
        statusCode: response.statusCode,
        error: null,
        durationMs: elapsed(),
        responseBody: excerpt,
        ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
      };
    } catch (error) {
      const { shown, detail } = describeError(error, timeoutMs);
      return {
        statusCode: null,
        error: shown,
        ...(detail ? { detail } : {}),
        durationMs: elapsed(),
        responseBody: null,
      };
    }
  };

  return { send, close: () => agent.close() };
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= RESPONSE_EXCERPT_BYTES) break;
    }
  } catch {
    // A body cut short still leaves its status and what arrived.
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
}

/** Timeouts and shutdown keep their words; every other failure to get a response is "connection failed". */
function describeError(error: unknown, timeoutMs: number): { shown: string; detail?: string } {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  const inner = (e?.cause as { code?: string; message?: string } | undefined) ?? undefined;
  const code = e?.code ?? inner?.code;
  if (e?.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return { shown: `timeout after ${timeoutMs / 1000} s` };
  if (e?.name === 'AbortError') return { shown: 'aborted' };
  const message = e?.message ?? inner?.message ?? String(error);
  const detail = (code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 500);
  return { shown: CONNECTION_FAILED, detail };
}
