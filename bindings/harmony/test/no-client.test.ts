// Without an HTTP client installed (this file runs in its own process and never installs one),
// everything that needs the network fails with the typed `provider_unavailable` error and the
// install hint, at construction; what needs no network keeps working.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Cairn from '../index';

const cairn: typeof Cairn = require(process.env.CAIRN_NODE_MODULE ?? `${__dirname}/../../cairn.node`);

function assertNoClient(error: unknown): void {
  const typed = error as Cairn.CairnError;
  assert.ok(typed instanceof Error, String(error));
  assert.equal(typed.name, 'CairnError');
  assert.equal(typed.kind, 'provider_unavailable');
  assert.equal(typed.code, 'provider_unavailable');
  assert.match(typed.message, /no HTTP client is installed/i);
  assert.match(typed.hint, /setHttpClient/);
  assert.match(typed.hint, /CairnHttp\.install\(\)/);
}

describe('no HTTP client installed', () => {
  test('Google and Huawei Drive services refuse to build, with the install hint', () => {
    for (const build of [
      () => cairn.BackupService.googleDrive('http://127.0.0.1:9', 'token'),
      () => cairn.BackupService.huaweiDrive(null, 'token'),
      () => cairn.AppSession.googleDrive(null, 'token'),
      () => cairn.AppSession.huaweiDrive('http://127.0.0.1:9', 'token'),
    ]) {
      assert.throws(build, (error) => {
        assertNoClient(error);
        return true;
      });
    }
  });

  test('the emulator dev menu fails the same way', async () => {
    const endpoints = cairn.emulatorEndpointsAt('http://127.0.0.1:9');
    assert.throws(() => cairn.AppSession.emulator(endpoints, 'someone', 'google_drive'), (error) => {
      assertNoClient(error);
      return true;
    });
    await assert.rejects(cairn.listEmulatorAccounts(endpoints), (error) => {
      assertNoClient(error);
      return true;
    });
  });

  test('a local folder needs no HTTP client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-no-client-'));
    try {
      const inventory = await cairn.BackupService.localFolder(dir).inventory();
      assert.equal(inventory.epochs.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
