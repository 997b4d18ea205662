// The host HTTP transport (ADR 0007) through the N-API module: a backup and restore where every
// request goes through a JS client, each typed rejection kind ending in the right CairnError (and
// retried or not), Rust refusing an over-long body, and the Node client (js/node-http.ts) itself
// against local servers: timeout, refused connection, response bound. Environment (set by
// `cargo xtask node-test`): CAIRN_BIN, CAIRN_NODE_MODULE.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Cairn from '../index';
import { CairnHttpError, installNodeHttpClient, nodeSend } from '../js/node-http';
import { startEmulator } from './emulator';

const cairn: typeof Cairn = require(process.env.CAIRN_NODE_MODULE ?? `${__dirname}/../../cairn.node`);
installNodeHttpClient(cairn);

const PHRASE = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const PASSWORD = 'granite-harbor-7-lanterns';
const NEW_PASSWORD = 'violet tractor sings 4 otters';

let emulator: ChildProcess;
let baseUrl = '';

before(async () => {
  const started = await startEmulator();
  emulator = started.process;
  baseUrl = started.baseUrl;
});

after(() => {
  emulator?.kill('SIGTERM');
});

let accounts = 0;
async function googleToken(): Promise<string> {
  accounts += 1;
  const reply = await fetch(`${baseUrl}/__control/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: `node-http-${process.pid}-${accounts}` }),
  });
  assert.equal(reply.status, 200);
  return (await reply.json()).google.access_token;
}

/** A Google Drive service built while `send` is the installed client (services keep the client
 *  they were built with), then the Node client is installed again for everything else. */
function serviceOver(send: (request: Cairn.HttpRequest) => Promise<Cairn.HttpResponse>, token: string): Cairn.BackupService {
  cairn.setHttpClient(send);
  try {
    return cairn.BackupService.googleDrive(baseUrl, token);
  } finally {
    installNodeHttpClient(cairn);
  }
}

async function rejection(work: Promise<unknown>): Promise<Cairn.CairnError> {
  try {
    await work;
  } catch (caught) {
    const error = caught as Cairn.CairnError;
    assert.equal(error.name, 'CairnError', String(caught));
    assert.ok(error.hint.length > 0);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('host HTTP transport', () => {
  test('backup, password change and restore go through the JS client, with the bearer token', async () => {
    const token = await googleToken();
    const seen: Cairn.HttpRequest[] = [];
    const recording = (request: Cairn.HttpRequest) => {
      seen.push(request);
      return nodeSend(request);
    };
    const phone = serviceOver(recording, token);
    const unlocked = await phone.createFirstPassword(PASSWORD);
    await unlocked.backupMnemonic(PHRASE, 'Main wallet');
    // A password change rewrites the epoch's wrap object in place: Drive's PATCH.
    await unlocked.changePassword(NEW_PASSWORD);
    unlocked.close();
    const restored = await (await serviceOver(recording, token).unlock(NEW_PASSWORD)).restoreAll();
    assert.equal(restored.wallets[0]?.revealPhrase(), PHRASE);

    assert.ok(seen.length > 5, `requests seen: ${seen.length}`);
    const methods = new Set(seen.map((r) => r.method));
    // (PATCH, used to overwrite an object in place, is sent by the Node client test below.)
    for (const method of ['GET', 'POST', 'DELETE'] as const) assert.ok(methods.has(method), `a ${method} in ${[...methods]}`);
    for (const request of seen) {
      assert.ok(request.url.startsWith(`${baseUrl}/`), request.url);
      const auth = request.headers.find((h) => h.name.toLowerCase() === 'authorization');
      assert.equal(auth?.value, `Bearer ${token}`);
      assert.ok(request.body instanceof Uint8Array);
      assert.equal(request.timeoutMs, 60_000);
      assert.ok(request.maxResponseBytes >= 64 * 1024, `${request.maxResponseBytes}`);
    }
    assert.ok(seen.some((r) => r.body.byteLength > 0), 'uploads carry a body');
  });

  // Retryable kinds are tried 5 times (cairn-cloud's standard bound, real backoff: these run
  // concurrently); the others once.
  const cases: [string, () => Promise<Cairn.HttpResponse>, Cairn.ErrorKind, number][] = [
    ['timeout', () => Promise.reject(new CairnHttpError('timeout', 't')), 'network', 5],
    ['connect', () => Promise.reject(new CairnHttpError('connect', 'c')), 'network', 5],
    ['offline', () => Promise.reject(new CairnHttpError('offline', 'o')), 'network', 5],
    ['interrupted', () => Promise.reject(new CairnHttpError('interrupted', 'i')), 'network', 5],
    ['body_too_large', () => Promise.reject(new CairnHttpError('body_too_large', 'b')), 'network', 1],
    ['invalid_request', () => Promise.reject(new CairnHttpError('invalid_request', 'r')), 'cloud_error', 1],
    ['an untyped rejection (counts as interrupted)', () => Promise.reject('no kind'), 'network', 5],
    ['a client that throws synchronously', () => { throw new Error('boom'); }, 'network', 5],
    ['a malformed response (counts as interrupted)', () => Promise.resolve({ status: 200 } as Cairn.HttpResponse), 'network', 5],
    ['a status outside HTTP', () => Promise.resolve({ status: 999, headers: [], body: new Uint8Array() }), 'cloud_error', 1],
  ];
  describe('typed rejections', { concurrency: true }, () => {
    for (const [name, reply, kind, calls] of cases) {
      test(`${name} → ${kind} after ${calls} call(s)`, async () => {
        let count = 0;
        const service = serviceOver(() => { count += 1; return reply(); }, 'token-unused');
        const error = await rejection(service.inventory());
        assert.equal(error.kind, kind, `${error.kind}: ${error.message}`);
        assert.equal(count, calls);
      });
    }
  });

  test('a body over maxResponseBytes is refused by Rust even if the client returns it', async () => {
    let count = 0;
    const service = serviceOver(async (request) => {
      count += 1;
      return { status: 200, headers: [], body: new Uint8Array(request.maxResponseBytes + 1) };
    }, 'token-unused');
    const error = await rejection(service.inventory());
    assert.equal(error.kind, 'network');
    assert.equal(count, 1, 'a refused body is not retried');
  });
});

describe('the Node client (js/node-http.ts)', () => {
  let server: Server;
  let local = '';
  before(async () => {
    server = createServer((request, response) => {
      if (request.url === '/big') {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.end(Buffer.alloc(4096, 7));
      } else if (request.url === '/chunked-big') {
        response.writeHead(200);
        for (let i = 0; i < 8; i += 1) response.write(Buffer.alloc(1024, 1));
        response.end();
      } else if (request.url === '/echo') {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          response.writeHead(201, { 'x-method': request.method ?? '', 'x-auth': request.headers.authorization ?? '' });
          response.end(Buffer.concat(chunks));
        });
      } // '/hang' never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const request = (path: string, overrides: Partial<Cairn.HttpRequest> = {}): Cairn.HttpRequest => ({
    method: 'GET', url: `${local}${path}`, headers: [], body: new Uint8Array(), timeoutMs: 5_000,
    maxResponseBytes: 1024, ...overrides,
  });

  async function kindOfFailure(work: Promise<unknown>): Promise<string> {
    try {
      await work;
    } catch (error) {
      assert.ok(error instanceof CairnHttpError, String(error));
      return error.kind;
    }
    assert.fail('expected a rejection');
  }

  test('sends method, headers and body; returns status, headers and body', async () => {
    const reply = await nodeSend(request('/echo', {
      method: 'PATCH', headers: [{ name: 'Authorization', value: 'Bearer t' }], body: new TextEncoder().encode('payload'),
    }));
    assert.equal(reply.status, 201);
    assert.equal(new TextDecoder().decode(reply.body), 'payload');
    assert.equal(reply.headers.find((h) => h.name === 'x-method')?.value, 'PATCH');
    assert.equal(reply.headers.find((h) => h.name === 'x-auth')?.value, 'Bearer t');
  });

  test('a body over maxResponseBytes is body_too_large (declared and streamed)', async () => {
    assert.equal(await kindOfFailure(nodeSend(request('/big'))), 'body_too_large');
    assert.equal(await kindOfFailure(nodeSend(request('/chunked-big'))), 'body_too_large');
    assert.equal((await nodeSend(request('/big', { maxResponseBytes: 4096 }))).body.byteLength, 4096);
  });

  test('timeoutMs is honoured (timeout), a closed port is connect', async () => {
    const started = Date.now();
    assert.equal(await kindOfFailure(nodeSend(request('/hang', { timeoutMs: 300 }))), 'timeout');
    assert.ok(Date.now() - started < 4_000);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    assert.equal(await kindOfFailure(nodeSend(request('', { url: `http://127.0.0.1:${port}/` }))), 'connect');
  });

  test('a header fetch cannot send is invalid_request', async () => {
    const bad = request('/echo', { headers: [{ name: 'X-Bad', value: 'line\nbreak' }] });
    assert.equal(await kindOfFailure(nodeSend(bad)), 'invalid_request');
  });
});
