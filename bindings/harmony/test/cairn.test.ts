// The Node build of Cairn's N-API module against a real emulator (`cairn emulator serve`).
// Environment (set by `cargo xtask node-test`): CAIRN_BIN = the `cairn` binary,
// CAIRN_NODE_MODULE = the built addon copied to `cairn.node`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Cairn from '../index';
import { installNodeHttpClient } from '../js/node-http';
import { startEmulator } from './emulator';

const cairn: typeof Cairn = require(process.env.CAIRN_NODE_MODULE ?? `${__dirname}/../../cairn.node`);
// The module ships no HTTP stack: every request goes through the Node client (over fetch).
installNodeHttpClient(cairn);

const PHRASE = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const PHRASE_2 = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PASSWORD = 'granite-harbor-7-lanterns';

let emulator: ChildProcess;
let baseUrl = '';

async function control(path: string, body: unknown): Promise<any> {
  const reply = await fetch(`${baseUrl}/__control/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(reply.status, 200, `control ${path}: ${await reply.clone().text()}`);
  return reply.json();
}

let accounts = 0;
async function newAccount(): Promise<{ id: string; google: string; huawei: string }> {
  accounts += 1;
  const id = `node-${process.pid}-${accounts}`;
  const created = await control('accounts', { id });
  return { id, google: created.google.access_token, huawei: created.huawei.access_token };
}

function googleService(token: string, refresh?: () => Promise<string>): Cairn.BackupService {
  return cairn.BackupService.googleDrive(baseUrl, token, refresh);
}

/** Awaits `work`, which must reject with a CairnError of `kind`; returns that error. */
async function rejectsWith(work: Promise<unknown>, kind: Cairn.ErrorKind): Promise<Cairn.CairnError> {
  try {
    await work;
  } catch (caught) {
    const error = caught as Cairn.CairnError;
    assert.ok(error instanceof Error, 'a JS Error');
    assert.equal(error.kind, kind, `kind (message: ${error.message})`);
    assert.equal(error.code, kind);
    assert.equal(error.name, 'CairnError');
    assert.ok(error.message.length > 0);
    assert.ok(error.hint.length > 0, 'a troubleshooting hint');
    return error;
  }
  assert.fail(`expected a ${kind} rejection`);
}

before(async () => {
  const started = await startEmulator();
  emulator = started.process;
  baseUrl = started.baseUrl;
});

after(() => {
  emulator?.kill('SIGTERM');
});

describe('Cairn N-API module over the emulator', () => {
  test('backup, then restore on a new device (Google Drive)', async () => {
    const account = await newAccount();
    const phone = googleService(account.google);
    assert.equal((await phone.inventory()).epochs.length, 0);

    const unlocked = await phone.createFirstPassword(PASSWORD);
    const receipt = await unlocked.backupMnemonic(PHRASE, 'Main wallet');
    assert.equal(receipt.epochId, unlocked.epochId);
    assert.ok(receipt.verifiedAt >= receipt.backedUpAt);
    await unlocked.backupMnemonic(PHRASE_2, 'Savings');
    unlocked.close();
    await rejectsWith(unlocked.restoreAll(), 'invalid_input');

    const inventory = await phone.inventory();
    assert.equal(inventory.epochs.length, 1);
    assert.equal(inventory.activeEpoch, receipt.epochId);
    assert.equal(inventory.epochs[0].walletCount, 2);

    // A new device: another service instance, only the account's token and the password.
    const newPhone = googleService(account.google);
    const check = await newPhone.checkPassword(PASSWORD);
    assert.deepEqual(check, { epochId: receipt.epochId, isActive: true });
    const restored = await (await newPhone.unlock(PASSWORD)).restoreAll();
    assert.equal(restored.failures.length, 0);
    const byLabel = new Map(restored.wallets.map((w) => [w.label, w]));
    const main = byLabel.get('Main wallet');
    assert.ok(main);
    assert.equal(main.kind, 'mnemonic');
    assert.equal(main.revealPhrase(), PHRASE);
    assert.equal(main.revealPrivateKey(), null);
    assert.equal(byLabel.get('Savings')?.revealPhrase(), PHRASE_2);
    main.wipe();
    assert.equal(main.isWiped, true);
    assert.equal(main.revealPhrase(), null);
  });

  test('wrong password is a typed error with a hint, and never echoes the password', async () => {
    const account = await newAccount();
    const service = googleService(account.google);
    await (await service.createFirstPassword(PASSWORD)).backupMnemonic(PHRASE, 'w');
    const typo = 'granite-harbor-7-lantern';
    const error = await rejectsWith(service.unlock(typo), 'wrong_password');
    assert.ok(!error.message.includes(typo) && !error.hint.includes(typo));
    await rejectsWith(service.checkPassword(typo), 'wrong_password');
    await rejectsWith(service.createFirstPassword(PASSWORD), 'backup_exists');
  });

  test('a full quota is quota_exceeded', async () => {
    const account = await newAccount();
    await control('quota', { account: account.id, provider: 'google', limit: 1000, usage: 1000 });
    const service = googleService(account.google);
    await rejectsWith(service.createFirstPassword(PASSWORD), 'quota_exceeded');
  });

  test('password change: the old password stops working, wallets stay', async () => {
    const account = await newAccount();
    const service = googleService(account.google);
    const unlocked = await service.createFirstPassword(PASSWORD);
    await unlocked.backupMnemonic(PHRASE, 'w');
    const change = await unlocked.changePassword('second-password-42');
    assert.equal(change.epochId, unlocked.epochId);
    await rejectsWith(service.unlock(PASSWORD), 'wrong_password');
    const report = await (await service.unlock('second-password-42')).restoreAll();
    assert.equal(report.wallets[0]?.revealPhrase(), PHRASE);
  });

  test('a rejected token is replaced through the refresh callback; without one: reauth_required', async () => {
    const account = await newAccount();
    let refreshes = 0;
    const service = googleService('not-a-valid-token', async () => {
      refreshes += 1;
      const minted = await control(`accounts/${account.id}/tokens`, { provider: 'google' });
      return minted.access_token as string;
    });
    assert.equal((await service.inventory()).epochs.length, 0);
    assert.equal(refreshes, 1);

    await rejectsWith(googleService('not-a-valid-token').inventory(), 'reauth_required');
    const failing = googleService('not-a-valid-token', async () => {
      throw new Error('silent sign-in failed');
    });
    await rejectsWith(failing.inventory(), 'reauth_required');
  });

  test('Huawei Drive round trip and a new epoch', async () => {
    const account = await newAccount();
    const service = cairn.BackupService.huaweiDrive(baseUrl, account.huawei);
    const first = await service.createFirstPassword(PASSWORD);
    await first.backupMnemonic(PHRASE, 'Huawei wallet');
    const second = await service.startNewEpoch('a-brand-new-password');
    assert.notEqual(second.epochId, first.epochId);
    const inventory = await service.inventory();
    assert.equal(inventory.activeEpoch, second.epochId);
    assert.equal(inventory.epochs.length, 2);
    const old = await (await service.unlock(PASSWORD, first.epochId)).restoreAll();
    assert.equal(old.wallets[0]?.revealPhrase(), PHRASE);
  });

  test('bad input is a typed error, not a crash', async () => {
    const account = await newAccount();
    const service = googleService(account.google);
    const unlocked = await service.createFirstPassword(PASSWORD);
    await rejectsWith(unlocked.backupMnemonic('not a real phrase at all', 'x'), 'invalid_mnemonic');
    await rejectsWith(service.unlock(PASSWORD, 'zz'), 'invalid_input');
    assert.throws(() => cairn.BackupService.googleDrive('not a url', 't'), (error: Cairn.CairnError) => {
      return error.kind === 'invalid_input' && error.code === 'invalid_input' && error.hint.length > 0;
    });
  });

  test('an AbortSignal stops a running restore; the handle works afterwards', async () => {
    const account = await newAccount();
    const unlocked = await googleService(account.google).createFirstPassword(PASSWORD);
    await unlocked.backupMnemonic(PHRASE, 'w');
    // Every download now stalls for 5 s, so the restore is surely in flight when aborted.
    await control('faults', {
      method: 'GET', path_prefix: '/drive/v3/files/', account: account.id, delay_ms: 5000, count: 'always',
    });
    try {
      const controller = new AbortController();
      const started = Date.now();
      const restore = unlocked.restoreAll(controller.signal);
      setTimeout(() => controller.abort(), 300);
      const error = await restore.then(
        () => assert.fail('the restore finished although it was aborted'),
        (caught: Cairn.CairnError) => caught,
      );
      assert.equal(error.name, 'AbortError');
      assert.equal(error.kind, 'cancelled');
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 4000, `aborting took ${elapsed} ms`);
    } finally {
      const cleared = await fetch(`${baseUrl}/__control/faults`, { method: 'DELETE' });
      assert.equal(cleared.status, 200);
    }
    const report = await unlocked.restoreAll();
    assert.equal(report.wallets[0]?.revealPhrase(), PHRASE);
    // A signal aborted before the call rejects it without restoring anything.
    const preAborted = new AbortController();
    preAborted.abort();
    const early = await unlocked.restoreAll(preAborted.signal).then(
      () => assert.fail('the restore ran although its signal was already aborted'),
      (caught: Cairn.CairnError) => caught,
    );
    assert.equal(early.name, 'AbortError');
    assert.equal(early.kind, 'cancelled');
  });

  test('a progress listener sees a restore counted to the total', async () => {
    const account = await newAccount();
    const service = googleService(account.google);
    const events: Cairn.ProgressEvent[] = [];
    service.setProgressListener((event) => events.push(event));
    const unlocked = await service.createFirstPassword(PASSWORD);
    await unlocked.backupMnemonic(PHRASE, 'one');
    await unlocked.backupMnemonic(PHRASE_2, 'two');
    const report = await unlocked.restoreAll();
    report.wallets.forEach((w) => w.wipe());
    // Events reach JS through their own queue: let it drain.
    await new Promise((resolve) => setTimeout(resolve, 50));
    service.setProgressListener(null);
    const creation = events.filter((e) => e.operation === 'first_password').map((e) => e.stage);
    assert.ok(creation.includes('deriving_key'), `${creation}`);
    assert.equal(creation.at(-1), 'finished');
    const restore = events.filter((e) => e.operation === 'restore');
    const downloads = restore.filter((e) => e.stage === 'downloading').map((e) => [e.completed, e.total]);
    assert.deepEqual(downloads, [[0, 2], [1, 2], [2, 2]]);
    assert.equal(restore.at(-1)?.stage, 'finished');
  });

  test('the log sink gets useful records and no secret', async () => {
    const account = await newAccount();
    const records: Cairn.LogRecord[] = [];
    cairn.setLogSink((record) => records.push(record), 'debug');
    const wrong = 'basalt-orchid-9-sextants';
    try {
      const service = googleService(account.google);
      const unlocked = await service.createFirstPassword(PASSWORD);
      await unlocked.backupMnemonic(PHRASE, 'Labelled', 'pass-phrase-xyz', true);
      await rejectsWith(service.unlock(wrong), 'wrong_password');
      (await unlocked.restoreAll()).wallets.forEach((w) => w.wipe());
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      cairn.setLogSink(null, 'error');
    }
    assert.throws(() => cairn.setLogSink(null, 'loud' as Cairn.LogLevel));
    const lines = records.map((r) => `${r.level} ${r.target} ${r.message}`);
    assert.ok(lines.some((l) => l.includes('first_password finished in')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('error') && l.includes('unlock failed') && l.includes('wrong_password')));
    assert.ok(lines.some((l) => l.includes('restore: 1 wallets restored, 0 unreadable')));
    assert.ok(records.every((r) => r.level !== 'trace'), 'a debug sink gets no trace records');
    const forbidden = [PASSWORD, wrong, 'pass-phrase-xyz', 'Labelled', 'cairn-', account.google, ...PHRASE.split(' ')];
    for (const line of lines) {
      const words = line.split(/[^A-Za-z0-9]+/);
      for (const secret of forbidden) {
        const leaked = /^[a-z]+$/.test(secret) ? words.includes(secret) : line.includes(secret);
        assert.ok(!leaked, `'${secret}' in '${line}'`);
      }
    }
  });

  test('local folder: backup and restore; a file in the way is invalid_input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-node-'));
    try {
      const unlocked = await cairn.BackupService.localFolder(join(dir, 'backups')).createFirstPassword(PASSWORD);
      await unlocked.backupMnemonic(PHRASE, 'Local', 'extra words', true);
      const report = await (await cairn.BackupService.localFolder(join(dir, 'backups')).unlock(PASSWORD)).restoreAll();
      assert.equal(report.wallets[0]?.revealPhrase(), PHRASE);
      writeFileSync(join(dir, 'a-file'), 'x');
      assert.throws(() => cairn.BackupService.localFolder(join(dir, 'a-file')), (error: Cairn.CairnError) => {
        return error.kind === 'invalid_input';
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
