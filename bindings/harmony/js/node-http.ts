// Cairn's HTTP client for Node (tests, and developers running the module on a desktop): the
// module ships no HTTP/TLS stack (ADR 0007), so the host installs one with `setHttpClient`. This
// one sends over Node's global `fetch` (undici), honours the request's timeout and response bound,
// and rejects with a `CairnHttpError` whose `kind` Rust maps to a typed error. It never logs: the
// request carries the bearer token and the body.
import type * as Cairn from '../index';

/** A failed exchange, typed for Rust. */
export class CairnHttpError extends Error {
  readonly kind: Cairn.HttpErrorKind;

  constructor(kind: Cairn.HttpErrorKind, message: string) {
    super(message);
    this.name = 'CairnHttpError';
    this.kind = kind;
  }
}

// Node error codes (from the `cause` of undici's "fetch failed") by kind.
const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const OFFLINE_CODES = new Set(['ENETUNREACH', 'ENETDOWN']);

/** The kind of a `fetch` failure (the request's own timeout is handled by the caller). */
export function kindOf(error: unknown): Cairn.HttpErrorKind {
  if (error instanceof CairnHttpError) return error.kind;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  const cause = error instanceof Error ? (error as Error & { cause?: { code?: unknown } }).cause : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (CONNECT_CODES.has(code)) return 'connect';
  if (OFFLINE_CODES.has(code)) return 'offline';
  // fetch refuses a request it cannot express (a bad header value, a bad URL) with a TypeError
  // that has no network cause.
  if (error instanceof TypeError && cause === undefined) return 'invalid_request';
  return 'interrupted';
}

/** Reads the body, stopping (and cancelling the transfer) past `limit` bytes. */
async function readBounded(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await response.body?.cancel();
    throw new CairnHttpError('body_too_large', `the response declares ${declared} bytes, above ${limit}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel();
        throw new CairnHttpError('body_too_large', `the response body exceeds ${limit} bytes`);
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Sends one request for Cairn: the whole response whatever its status, or a typed rejection. */
export async function nodeSend(request: Cairn.HttpRequest): Promise<Cairn.HttpResponse> {
  const signal = AbortSignal.timeout(Math.max(1, request.timeoutMs));
  const headers = new Headers();
  try {
    for (const { name, value } of request.headers) headers.append(name, value);
  } catch {
    throw new CairnHttpError('invalid_request', 'a header fetch cannot send');
  }
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      // A copy on a plain ArrayBuffer (the request's bytes belong to Rust).
      body: request.body.byteLength > 0 ? new Uint8Array(request.body) : undefined,
      redirect: 'follow',
      signal,
    });
    const body = await readBounded(response, request.maxResponseBytes);
    const responseHeaders: Cairn.HttpHeader[] = [];
    response.headers.forEach((value, name) => responseHeaders.push({ name, value }));
    return { status: response.status, headers: responseHeaders, body };
  } catch (error) {
    if (error instanceof CairnHttpError) throw error;
    // An abort of our own signal, whatever undici wraps it in, is the request's timeout.
    const kind = signal.aborted ? 'timeout' : kindOf(error);
    throw new CairnHttpError(kind, `HTTP ${request.method} failed (${kind})`);
  }
}

/** Installs `nodeSend` as the module's HTTP client (once, at start). */
export function installNodeHttpClient(cairn: Pick<typeof Cairn, 'setHttpClient'>): void {
  cairn.setHttpClient(nodeSend);
}
