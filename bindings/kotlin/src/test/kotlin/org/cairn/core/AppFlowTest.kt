package org.cairn.core

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * The shared app logic (cairn-app through the generated bindings) as the Android shell drives
 * it: provider choice from raw HMS / Play services codes, the emulator dev menu, password form
 * feedback, and the screen state machine over a real emulator process with production KDF
 * parameters, signed in through the emulator token provider. Each test uses its own account.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AppFlowTest {
    private lateinit var emulator: Emulator
    private lateinit var endpoints: EmulatorEndpoints

    private val password = "violet tractor sings 4 otters"
    private val newPassword = "granite kettle hums at dawn"
    private val phraseA = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    private val phraseB = "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"

    @BeforeAll
    fun startEmulator() {
        emulator = Emulator.start()
        endpoints = emulatorEndpointsAt(emulator.baseUrl)
    }

    @AfterAll
    fun stopEmulator() = emulator.close()

    private fun session(account: String, provider: CloudProvider = CloudProvider.GOOGLE_DRIVE): AppSession {
        emulator.createAccount(account)
        return AppSession.emulator(endpoints, account, provider)
    }

    private fun wallet(id: String, phrase: String) = WalletInput(
        appWalletId = id,
        label = "wallet $id",
        chainHints = listOf("eip155:1"),
        secret = WalletSecretInput.Mnemonic(phrase = phrase, passphrase = null, includePassphrase = false),
    )

    private inline fun <reified T : Screen> expect(screen: Screen): T {
        assertTrue(screen is T, "unexpected screen: $screen")
        return screen as T
    }

    @Test
    fun `provider choice from raw platform codes`() {
        // A Huawei phone without Google Play services (SERVICE_MISSING = 1), HMS Core present.
        val huaweiPhone = providerOptions(Platform.ANDROID, PlatformProbes(1, 0, null))
        assertEquals(CloudProvider.HUAWEI_DRIVE, huaweiPhone[0].provider)
        assertTrue(huaweiPhone[0].recommended && huaweiPhone[0].available)
        assertEquals(ProviderUnavailableReason.GOOGLE_SERVICES_MISSING, huaweiPhone[1].unavailableReason)

        // HMS Core needs an update (SERVICE_VERSION_UPDATE_REQUIRED = 2).
        val outdated = providerOptions(Platform.ANDROID, PlatformProbes(0, 2, null))
        val huawei = outdated.single { it.provider == CloudProvider.HUAWEI_DRIVE }
        assertFalse(huawei.available)
        assertEquals(ProviderUnavailableReason.HMS_CORE_OUTDATED, huawei.unavailableReason)
        val shown = huawei.presentation!!
        assertEquals(RecoveryAction.INSTALL_OR_UPDATE_HMS_CORE, shown.primary)
        assertTrue(shown.hint.contains("AppGallery") && shown.hint.contains("HMS Core"), shown.hint)
        assertEquals("Open AppGallery", recoveryActionLabel(shown.primary))

        // iPhone signed out of iCloud (CKAccountStatus.noAccount = 3): Google Drive first.
        val iphone = providerOptions(Platform.IOS, PlatformProbes(null, null, 3))
        assertEquals(listOf(CloudProvider.GOOGLE_DRIVE, CloudProvider.I_CLOUD), iphone.map { it.provider })
        assertEquals(RecoveryAction.OPEN_I_CLOUD_SETTINGS, iphone[1].presentation!!.primary)
    }

    @Test
    fun `password form feedback`() {
        val weak = passwordFeedback("12345", "12345")
        assertEquals(StrengthScore.VERY_WEAK, weak.score)
        assertFalse(weak.canSubmit)
        assertTrue(weak.policyProblem!!.contains("at least 6"))
        assertTrue(weak.warnings.contains(StrengthWarning.COMMON_PASSWORD))

        val mismatch = passwordFeedback(password, "$password ")
        assertTrue(mismatch.confirmationEntered && !mismatch.confirmationMatches && !mismatch.canSubmit)
        val good = passwordFeedback(password, password)
        assertTrue(good.canSubmit)
        assertTrue(good.scoreValue >= 3u, "score ${good.score}")
    }

    @Test
    fun `dev menu lists emulator accounts and endpoints per target`() = runBlocking {
        emulator.createAccount("menu-1")
        val ids = listEmulatorAccounts(endpoints).map { it.id }
        assertTrue(ids.contains("menu-1"), "$ids")
        assertEquals("http://10.0.2.2:8089", emulatorEndpoints(DevTarget.AndroidEmulator, 8089.toUShort()).driveApiBase)
        assertEquals("http://localhost:8089", emulatorEndpoints(DevTarget.IosSimulator, 8089.toUShort()).baseUrl)
        val bad = runCatching { emulatorEndpoints(DevTarget.Device("evil.example/path"), 8089.toUShort()) }
        assertTrue(bad.exceptionOrNull() is CairnException, "$bad")
    }

    @Test
    fun `first backup, verify before add with attempts, restore on a new phone, results wiped`() = runBlocking {
        val phone = session("kim")
        expect<Screen.FirstBackup>(phone.refresh())

        val refused = expect<Screen.FirstBackup>(phone.submitFirstBackup(password, "other password", wallet("a", phraseA)))
        assertEquals("Passwords differ", refused.form.error!!.title)

        val home = expect<Screen.Home>(phone.submitFirstBackup(password, password, wallet("a", phraseA)))
        assertTrue(home.notice is Notice.FirstBackupDone, "${home.notice}")
        assertEquals(1uL, home.overview.activeWallets)

        expect<Screen.AddWallet>(phone.beginAddWallet())
        for (attempt in 1..3) {
            val prompt = expect<Screen.AddWallet>(phone.submitAddWallet("violet tractor", wallet("b", phraseB))).prompt
            assertEquals(attempt.toUInt(), prompt.attempts)
            assertEquals(ErrorKind.WRONG_PASSWORD, prompt.error!!.kind)
            assertEquals(attempt >= 3, prompt.suggestForgotPassword)
        }
        val afterWrong = expect<Screen.AddWallet>(phone.screen())
        assertEquals(RecoveryAction.FORGOT_PASSWORD, afterWrong.prompt.error!!.primary)
        val added = expect<Screen.Home>(phone.submitAddWallet(password, wallet("b", phraseB)))
        assertEquals(2uL, added.overview.activeWallets)
        assertTrue(added.notice is Notice.WalletBackedUp)
        assertEquals(setOf("a", "b"), phone.appWallets().map { it.appWalletId }.toSet())
        phone.endSession()

        val newPhone = AppSession.emulator(endpoints, "kim", CloudProvider.GOOGLE_DRIVE)
        expect<Screen.Home>(newPhone.refresh())
        expect<Screen.Restore>(newPhone.beginRestore())
        val wrong = expect<Screen.Restore>(newPhone.submitRestore("Violet tractor sings 4 otters", null))
        assertEquals(1u, wrong.prompt.attempts)
        assertTrue(wrong.prompt.error!!.hint.contains("caps lock"))
        val results = expect<Screen.RestoreResults>(newPhone.submitRestore(password, null)).results
        assertFalse(results.fromOlderPassword)
        val phrases = results.wallets.associate { it.info().label to it.revealPhrase() }
        assertEquals(mapOf("wallet a" to phraseA, "wallet b" to phraseB), phrases)

        val closed = expect<Screen.Home>(newPhone.closeResults())
        assertEquals(Notice.RestoreClosed(2uL), closed.notice)
        for (handle in results.wallets) {
            assertTrue(handle.isWiped())
            val error = runCatching { handle.revealPhrase() }.exceptionOrNull()
            assertTrue(error is CairnException, "reveal after wipe: $error")
            handle.close()
        }
        newPhone.endSession()
    }

    @Test
    fun `forgot password starts a new epoch and the old backup still restores`() = runBlocking {
        val session = session("lee", CloudProvider.HUAWEI_DRIVE)
        session.refresh()
        expect<Screen.Home>(session.submitFirstBackup(password, password, wallet("a", phraseA)))
        val oldEpoch = session.appWallets().single().backup!!.epochId

        val forgot = expect<Screen.ForgotPassword>(session.forgotPassword())
        assertTrue(forgot.explanation.contains("remember the old password"))
        expect<Screen.NewPassword>(session.beginNewPassword())
        val weak = expect<Screen.NewPassword>(session.submitNewPassword("abc", "abc"))
        assertEquals(ErrorKind.PASSWORD_POLICY, weak.form.error!!.kind)
        val home = expect<Screen.Home>(session.submitNewPassword(newPassword, newPassword))
        val notice = home.notice as Notice.NewPasswordStarted
        assertEquals(1uL, notice.olderPasswordWallets)
        assertEquals(2, home.overview.epochs.size)

        val health = expect<Screen.Health>(session.checkHealth()).report
        assertEquals(1uL, health.needsAttention)
        assertTrue(health.wallets.single().status is HealthStatus.OlderPasswordOnly)

        val restore = expect<Screen.Restore>(session.beginRestore())
        assertEquals(2, restore.epochs.size)
        val old = expect<Screen.RestoreResults>(session.submitRestore(password, oldEpoch)).results
        assertTrue(old.fromOlderPassword)
        assertEquals(phraseA, old.wallets.single().revealPhrase())
        session.goHome()
        assertTrue(old.wallets.single().isWiped())
        session.close()
    }

    @Test
    fun `wrong account, storage full and an expired session`() = runBlocking {
        val owner = session("mia")
        owner.refresh()
        owner.submitFirstBackup(password, password, wallet("a", phraseA))

        // Signed in to an account without backups: switch-account guidance.
        val other = session("ned")
        val none = expect<Screen.NoBackupsFound>(other.beginRestore())
        assertEquals(RecoveryAction.SWITCH_ACCOUNT, none.presentation.primary)
        assertTrue(none.presentation.secondary.contains(RecoveryAction.START_FIRST_BACKUP))
        other.close()

        // Storage full while adding: storage guidance, then back to the prompt.
        emulator.control("POST", "quota", """{"account":"mia","provider":"google","limit":100}""")
        owner.beginAddWallet()
        val full = expect<Screen.Error>(owner.submitAddWallet(password, wallet("b", phraseB))).presentation
        assertEquals(ErrorKind.QUOTA_EXCEEDED, full.kind)
        assertEquals(RecoveryAction.FREE_UP_STORAGE, full.primary)
        assertTrue(full.hint.contains("one.google.com"), full.hint)
        expect<Screen.AddWallet>(owner.dismissError())
        emulator.control("POST", "quota", """{"account":"mia","provider":"google","limit":null}""")
        expect<Screen.Home>(owner.submitAddWallet(password, wallet("b", phraseB)))

        // The session cannot be renewed: sign in again; once it works, "try again" recovers.
        emulator.control("POST", "faults", """{"path_prefix":"/drive/v3/files","count":"always","status":401,"account":"mia"}""")
        val expired = expect<Screen.Error>(owner.refresh()).presentation
        assertEquals(ErrorKind.REAUTH_REQUIRED, expired.kind)
        assertEquals(RecoveryAction.SIGN_IN_AGAIN, expired.primary)
        emulator.control("DELETE", "faults")
        expect<Screen.Home>(owner.retry())
        owner.close()
    }

    @Test
    fun `errors thrown by the plain API are presented the same way`() {
        val shown = presentFailure(ErrorKind.QUOTA_EXCEEDED, "Your cloud storage is full.", "Free up space.", CloudProvider.I_CLOUD)
        assertEquals(RecoveryAction.FREE_UP_STORAGE, shown.primary)
        assertTrue(shown.hint.contains("Manage Account Storage"))
        assertNull(providerOptions(Platform.HARMONY_OS, PlatformProbes(null, null, null)).single().presentation)
    }
}
