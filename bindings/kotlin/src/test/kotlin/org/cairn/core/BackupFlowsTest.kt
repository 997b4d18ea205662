package org.cairn.core

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.cairn.core.ktx.hint
import org.cairn.core.ktx.kind
import org.cairn.core.ktx.use
import org.cairn.core.ktx.userMessage
import org.cairn.core.ktx.withUnlocked
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.MethodOrderer
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.TestMethodOrder
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference

/**
 * The generated Kotlin against the real cdylib and a real emulator process, with production KDF
 * parameters. Tests 1–3 are one user's story on one account, in order; the rest use their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation::class)
class BackupFlowsTest {
    private lateinit var emulator: Emulator

    private val password = "correct horse battery staple"
    private val phrase1 = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
    private val phrase2 = "legal winner thank year wave sausage worth useful legal winner thank yellow"

    @BeforeAll
    fun startEmulator() {
        emulator = Emulator.start()
        emulator.createAccount("alice")
    }

    @AfterAll
    fun stopEmulator() = emulator.close()

    private fun drive(account: String): BackupService =
        BackupService.googleDrive(emulator.baseUrl, FixedTokens(emulator.mintToken(account)))

    private fun failure(block: suspend () -> Unit): CairnException =
        assertThrows<CairnException> { runBlocking { block() } }

    @Test
    @Order(1)
    fun `first password, backup and read-back`() = runBlocking {
        drive("alice").use { service ->
            assertTrue(service.inventory().epochs.isEmpty())
            val receipt = service.createFirstPassword(password).use { unlocked ->
                unlocked.backupMnemonic(phrase1, null, false, "Main wallet", listOf("eip155:1"))
            }
            assertTrue(receipt.verifiedAt >= receipt.backedUpAt)

            val inventory = service.inventory()
            assertEquals(1, inventory.epochs.size)
            assertEquals(receipt.epochId, inventory.activeEpoch)
            assertEquals(listOf(receipt.recordId), inventory.epochs[0].records.map { it.recordId })

            service.withUnlocked(password) { it.restoreAll() }.use { report ->
                assertEquals(1, report.wallets.size)
                val wallet = report.wallets[0]
                assertEquals(phrase1, wallet.revealPhrase())
                assertEquals("Main wallet", wallet.info().label)
                assertEquals(listOf("eip155:1"), wallet.info().chainHints)
                assertEquals(WalletKind.Mnemonic("english", 12u), wallet.info().kind)
            }
        }
    }

    @Test
    @Order(2)
    fun `second wallet after verifying the password first`() = runBlocking {
        drive("alice").use { service ->
            // The app asks for the password before adding a wallet; a wrong one adds nothing.
            val wrong = failure { service.checkPassword("not the password", null) }
            assertEquals(ErrorKind.WRONG_PASSWORD, wrong.kind)
            val check = service.checkPassword(password, null)
            assertTrue(check.isActive)

            service.unlock(password, null).use { unlocked ->
                assertEquals(check.epochId, unlocked.epochId())
                unlocked.backupMnemonic(phrase2, "extra words", true, "Savings", emptyList())
            }
            assertEquals(2uL, service.inventory().epochs.single().walletCount)
        }
    }

    @Test
    @Order(3)
    fun `restore on a new device`() = runBlocking {
        // A new service with a new sign-in: nothing shared with the first "device" but the account.
        drive("alice").use { newDevice ->
            newDevice.withUnlocked(password) { it.restoreAll() }.use { report ->
                assertTrue(report.failures.isEmpty())
                val byLabel = report.wallets.associateBy { it.info().label }
                assertEquals(setOf("Main wallet", "Savings"), byLabel.keys)
                assertEquals(phrase1, byLabel.getValue("Main wallet").revealPhrase())
                assertEquals(phrase2, byLabel.getValue("Savings").revealPhrase())
                assertEquals("extra words", byLabel.getValue("Savings").revealStoredPassphrase())
            }
        }
    }

    @Test
    fun `wrong password is a typed error with a hint and no secret`() {
        val account = "wrong-pw"
        emulator.createAccount(account)
        drive(account).use { service ->
            runBlocking { service.createFirstPassword(password).close() }
            val error = failure { service.unlock("Tr0ub4dor&3-guess", null) }
            assertEquals(ErrorKind.WRONG_PASSWORD, error.kind)
            assertTrue(error.hint.isNotBlank())
            assertTrue(error.userMessage.isNotBlank())
            assertFalse(error.message!!.contains("Tr0ub4dor"))
        }
    }

    @Test
    fun `a different account sees none of alice's backups`() {
        emulator.createAccount("bob")
        drive("bob").use { service ->
            assertTrue(runBlocking { service.inventory() }.epochs.isEmpty())
            assertEquals(ErrorKind.NO_BACKUPS_FOUND, failure { service.unlock(password, null) }.kind)
        }
    }

    @Test
    fun `a full drive is reported as quota exceeded`() {
        emulator.createAccount("carol")
        emulator.control("POST", "quota", """{"account":"carol","provider":"google","limit":1000,"usage":1000}""")
        drive("carol").use { service ->
            val error = failure { service.createFirstPassword(password) }
            assertEquals(ErrorKind.QUOTA_EXCEEDED, error.kind)
            assertTrue(error.hint.isNotBlank())
        }
    }

    @Test
    fun `a Kotlin token provider refreshes once after a 401`() {
        val account = "erin"
        emulator.createAccount(account)
        val stale = emulator.mintToken(account)
        emulator.control("POST", "accounts/$account/revoke-tokens", "{}")
        val refreshes = AtomicInteger()
        val rejectedSeen = AtomicReference<String>()
        val tokens = object : TokenProvider {
            @Volatile var current = stale
            override suspend fun accessToken(): String = current
            override suspend fun refreshAccessToken(rejected: String): String {
                refreshes.incrementAndGet()
                rejectedSeen.set(rejected)
                current = emulator.mintToken(account)
                return current
            }
        }
        BackupService.googleDrive(emulator.baseUrl, tokens).use { service ->
            assertTrue(runBlocking { service.inventory() }.epochs.isEmpty())
        }
        assertEquals(1, refreshes.get())
        assertEquals(stale, rejectedSeen.get())
    }

    @Test
    fun `token provider failures become typed errors`() {
        val signedOut = object : TokenProvider {
            override suspend fun accessToken(): String = throw TokenException.NotSignedIn()
            override suspend fun refreshAccessToken(rejected: String): String = throw TokenException.NotSignedIn()
        }
        BackupService.googleDrive(emulator.baseUrl, signedOut).use { service ->
            assertEquals(ErrorKind.NOT_SIGNED_IN, failure { service.inventory() }.kind)
        }
        val noHms = object : TokenProvider {
            override suspend fun accessToken(): String =
                throw TokenException.ProviderUnavailable(ProviderUnavailableReason.HMS_CORE_OUTDATED)
            override suspend fun refreshAccessToken(rejected: String): String = accessToken()
        }
        BackupService.huaweiDrive(emulator.baseUrl, noHms).use { service ->
            assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, failure { service.inventory() }.kind)
        }
    }

    @Test
    fun `a running restore is cancelled from Kotlin`() = runBlocking {
        val account = "dave"
        emulator.createAccount(account)
        drive(account).use { service ->
            service.createFirstPassword(password).use { it.backupMnemonic(phrase1, null, false, "w", emptyList()) }
            service.unlock(password, null).use { unlocked ->
                // Every download now stalls for 5 s, so the restore is surely in flight when cancelled.
                emulator.control(
                    "POST", "faults",
                    """{"method":"GET","path_prefix":"/drive/v3/files/","account":"$account","delay_ms":5000,"count":"always"}""",
                )
                try {
                    val started = System.nanoTime()
                    val restore = async { unlocked.restoreAll() }
                    delay(300)
                    restore.cancel()
                    assertThrows<CancellationException> { runBlocking { restore.await() } }
                    val elapsedMs = (System.nanoTime() - started) / 1_000_000
                    assertTrue(elapsedMs < 4000, "cancellation took $elapsedMs ms")
                } finally {
                    emulator.control("DELETE", "faults")
                }
                // The cancelled call released the handle: the next restore works.
                withTimeout(30_000) { unlocked.restoreAll() }.use { report ->
                    assertEquals(phrase1, report.wallets.single().revealPhrase())
                }
            }
        }
    }

    @Test
    fun `secret handles are wiped by wipe() and unusable after close()`() = runBlocking {
        BackupService.inMemory().use { service ->
            service.createFirstPassword(password).use { it.backupMnemonic(phrase1, null, false, "w", emptyList()) }
            val report = service.withUnlocked(password) { it.restoreAll() }
            val wallet = report.wallets.single()
            assertEquals(phrase1, wallet.revealPhrase())
            wallet.wipe()
            assertTrue(wallet.isWiped())
            val afterWipe = assertThrows<CairnException> { wallet.revealPhrase() }
            assertEquals(ErrorKind.INVALID_INPUT, afterWipe.kind)
            assertFalse(afterWipe.message!!.contains("abandon"))
            wallet.close()
            assertThrows<IllegalStateException> { wallet.revealPhrase() }

            // The idiomatic `use` wipes and closes every handle of a report.
            val second = service.withUnlocked(password) { it.restoreAll() }
            val kept = second.use { it.wallets.single() }
            assertThrows<IllegalStateException> { kept.revealPhrase() }
        }
    }

    @Test
    fun `export and import move backups between accounts`() = runBlocking {
        BackupService.inMemory().use { source ->
            source.createFirstPassword(password).use { it.backupMnemonic(phrase2, null, false, "x", emptyList()) }
            val file = source.export(null)
            assertTrue(file.objects >= 2uL)
            BackupService.inMemory().use { target ->
                val imported = target.import(file.bytes)
                assertEquals(file.objects, imported.uploaded)
                target.withUnlocked(password) { it.restoreAll() }.use { report ->
                    assertEquals(phrase2, report.wallets.single().revealPhrase())
                }
            }
            val garbage = failure { source.import(byteArrayOf(1, 2, 3)) }
            assertNotNull(garbage.kind)
        }
    }
}
