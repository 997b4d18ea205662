// The shared app logic (cairn-app) through the N-API module, as the HarmonyOS shell drives it:
// provider choice, password feedback, the emulator dev menu and the screen state machine over a
// real emulator process (`cairn emulator serve`), signed in through the Rust-side emulator token
// provider. Environment (set by `cargo xtask node-test`): CAIRN_BIN, CAIRN_NODE_MODULE.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type * as Cairn from '../index';
import { installNodeHttpClient } from '../js/node-http';
import { startEmulator } from './emulator';

const cairn: typeof Cairn = require(process.env.CAIRN_NODE_MODULE ?? `${__dirname}/../../cairn.node`);
// The module ships no HTTP stack: every request goes through the Node client (over fetch).
installNodeHttpClient(cairn);

const PASSWORD = 'violet tractor sings 4 otters';
const NEW_PASSWORD = 'granite kettle hums at dawn';
const PHRASE_A = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const PHRASE_B = 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above';

let emulator: ChildProcess;
let endpoints: Cairn.EmulatorEndpoints;

async function control(method: string, path: string, body?: unknown): Promise<any> {
  const reply = await fetch(`${endpoints.controlBase}/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(reply.status, 200, `control ${path}: ${await reply.clone().text()}`);
  return reply.json();
}

let accounts = 0;
async function session(provider: 'google_drive' | 'huawei_drive' = 'google_drive'): Promise<[Cairn.AppSession, string]> {
  accounts += 1;
  const id = `node-app-${process.pid}-${accounts}`;
  await control('POST', 'accounts', { id });
  return [cairn.AppSession.emulator(endpoints, id, provider), id];
}

function wallet(id: string, phrase: string): Cairn.WalletInput {
  return { appWalletId: id, label: `wallet ${id}`, chainHints: ['eip155:1'], phrase };
}

/** Narrows a screen to the expected variant (fails with the whole screen otherwise). */
function expectScreen<N extends Cairn.Screen['name']>(screen: Cairn.Screen, name: N): Extract<Cairn.Screen, { name: N }> {
  assert.equal(screen.name, name, `unexpected screen: ${JSON.stringify(screen)}`);
  return screen as Extract<Cairn.Screen, { name: N }>;
}

before(async () => {
  const started = await startEmulator();
  emulator = started.process;
  endpoints = cairn.emulatorEndpointsAt(started.baseUrl);
});

after(() => {
  emulator?.kill('SIGTERM');
});

describe('cairn-app through the N-API module', () => {
  test('provider choice, password feedback, endpoints', () => {
    const harmony = cairn.providerOptions('harmony_os', {});
    assert.deepEqual(harmony.map((o) => [o.provider, o.available, o.recommended]), [['huawei_drive', true, true]]);
    const android = cairn.providerOptions('android', { googlePlayServices: 0, hmsCore: 1 });
    const huawei = android.find((o) => o.provider === 'huawei_drive')!;
    assert.equal(huawei.unavailableReason, 'hms_core_missing');
    assert.equal(huawei.presentation?.primary, 'install_or_update_hms_core');
    assert.match(huawei.presentation!.hint, /AppGallery.*HMS Core.*restart/);
    assert.equal(cairn.recoveryActionLabel('install_or_update_hms_core'), 'Open AppGallery');
    assert.throws(() => cairn.providerOptions('symbian' as Cairn.Platform, {}), /platform/);

    const weak = cairn.passwordFeedback('12345', '12345');
    assert.equal(weak.score, 'very_weak');
    assert.equal(weak.canSubmit, false);
    assert.ok(weak.warnings.includes('common_password'));
    assert.equal(cairn.passwordFeedback(PASSWORD, PASSWORD).canSubmit, true);

    assert.equal(cairn.emulatorEndpoints('harmony_emulator', 8089).baseUrl, 'http://10.0.2.2:8089');
    assert.equal(cairn.emulatorEndpoints('device', 8089, '192.168.1.5').controlBase, 'http://192.168.1.5:8089/__control');
    assert.throws(() => cairn.emulatorEndpoints('device', 8089), (e: Cairn.CairnError) => e.kind === 'invalid_input');
    assert.throws(() => cairn.emulatorEndpoints('desktop', 70000), (e: Cairn.CairnError) => e.kind === 'invalid_input');

    const shown = cairn.presentFailure('reauth_required', 'Your cloud session has expired.', 'Sign in again.', null);
    assert.equal(shown.primary, 'sign_in_again');
  });

  test('dev menu lists the emulator accounts', async () => {
    const [, id] = await session();
    const listed = await cairn.listEmulatorAccounts(endpoints);
    assert.ok(listed.some((a) => a.id === id && a.email === `${id}@example.com`));
  });

  test('first backup, verify before add, restore on a new device, wipe on close', async () => {
    const [phone, id] = await session('huawei_drive');
    expectScreen(phone.screen(), 'working');
    expectScreen(await phone.refresh(), 'first_backup');
    const refused = expectScreen(await phone.submitFirstBackup(PASSWORD, 'something else', wallet('a', PHRASE_A)), 'first_backup');
    assert.equal(refused.formError?.title, 'Passwords differ');
    const home = expectScreen(await phone.submitFirstBackup(PASSWORD, PASSWORD, wallet('a', PHRASE_A)), 'home');
    assert.equal(home.notice?.name, 'first_backup_done');
    assert.equal(home.overview.activeWallets, 1);

    expectScreen(phone.beginAddWallet(), 'add_wallet');
    for (const attempt of [1, 2, 3]) {
      const { prompt } = expectScreen(await phone.submitAddWallet('violet', wallet('b', PHRASE_B)), 'add_wallet');
      assert.equal(prompt.attempts, attempt);
      assert.equal(prompt.error?.kind, 'wrong_password');
      assert.equal(prompt.suggestForgotPassword, attempt === 3);
    }
    const added = expectScreen(await phone.submitAddWallet(PASSWORD, wallet('b', PHRASE_B)), 'home');
    assert.equal(added.overview.activeWallets, 2);
    assert.deepEqual(phone.appWallets().map((w) => w.appWalletId).sort(), ['a', 'b']);
    await assert.rejects(phone.submitAddWallet(PASSWORD, { label: 'nothing' }), (e: Cairn.CairnError) => e.kind === 'invalid_input');
    phone.close();

    const newPhone = cairn.AppSession.emulator(endpoints, id, 'huawei_drive');
    const restore = expectScreen(await newPhone.beginRestore(), 'restore');
    assert.equal(restore.epochs.length, 1);
    const wrong = expectScreen(await newPhone.submitRestore('Violet tractor sings 4 otters'), 'restore');
    assert.equal(wrong.prompt.attempts, 1);
    const { results } = expectScreen(await newPhone.submitRestore(PASSWORD), 'restore_results');
    const phrases = Object.fromEntries(results.wallets.map((w) => [w.label, w.revealPhrase()]));
    assert.deepEqual(phrases, { 'wallet a': PHRASE_A, 'wallet b': PHRASE_B });
    const closed = expectScreen(newPhone.closeResults(), 'home');
    assert.deepEqual(closed.notice, { name: 'restore_closed', wiped: 2 });
    for (const handle of results.wallets) {
      assert.equal(handle.isWiped, true);
      assert.equal(handle.revealPhrase(), null);
    }
    await assert.rejects(newPhone.submitRestore(PASSWORD, 'not-an-epoch'), (e: Cairn.CairnError) => e.kind === 'invalid_input');
  });

  test('forgot password: a new epoch, and the old backup still restores', async () => {
    const [app] = await session();
    await app.refresh();
    await app.submitFirstBackup(PASSWORD, PASSWORD, wallet('a', PHRASE_A));
    const oldEpoch = app.appWallets()[0].epochId!;
    const forgot = expectScreen(app.forgotPassword(), 'forgot_password');
    assert.match(forgot.explanation, /remember the old password/);
    expectScreen(app.beginNewPassword(), 'new_password');
    const weak = expectScreen(await app.submitNewPassword('abc', 'abc'), 'new_password');
    assert.equal(weak.formError?.kind, 'password_policy');
    const home = expectScreen(await app.submitNewPassword(NEW_PASSWORD, NEW_PASSWORD), 'home');
    assert.equal(home.notice?.name, 'new_password_started');
    assert.equal(home.overview.olderPasswordWallets, 1);

    const { report } = expectScreen(await app.checkHealth(), 'health');
    assert.equal(report.wallets[0].status, 'older_password_only');
    assert.equal(report.needsAttention, 1);

    expectScreen(await app.beginRestore(), 'restore');
    const { results } = expectScreen(await app.submitRestore(PASSWORD, oldEpoch), 'restore_results');
    assert.equal(results.fromOlderPassword, true);
    assert.equal(results.wallets[0].revealPhrase(), PHRASE_A);
    app.goHome();
    assert.equal(results.wallets[0].isWiped, true);
  });

  test('wrong account, storage full, expired session', async () => {
    const [owner, id] = await session();
    await owner.refresh();
    await owner.submitFirstBackup(PASSWORD, PASSWORD, wallet('a', PHRASE_A));

    const [stranger] = await session();
    const none = expectScreen(await stranger.beginRestore(), 'no_backups_found');
    assert.equal(none.presentation.primary, 'switch_account');

    await control('POST', 'quota', { account: id, provider: 'google', limit: 100 });
    owner.beginAddWallet();
    const full = expectScreen(await owner.submitAddWallet(PASSWORD, wallet('b', PHRASE_B)), 'error');
    assert.equal(full.presentation.kind, 'quota_exceeded');
    assert.equal(full.presentation.primary, 'free_up_storage');
    assert.match(full.presentation.hint, /one\.google\.com/);
    expectScreen(owner.dismissError(), 'add_wallet');
    await control('POST', 'quota', { account: id, provider: 'google', limit: null });
    expectScreen(await owner.submitAddWallet(PASSWORD, wallet('b', PHRASE_B)), 'home');

    await control('POST', 'faults', { path_prefix: '/drive/v3/files', count: 'always', status: 401, account: id });
    const expired = expectScreen(await owner.refresh(), 'error');
    assert.equal(expired.presentation.primary, 'sign_in_again');
    await control('DELETE', 'faults');
    expectScreen(await owner.retry(), 'home');
  });
});
