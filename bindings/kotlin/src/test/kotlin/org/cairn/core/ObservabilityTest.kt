package org.cairn.core

import kotlinx.coroutines.runBlocking
import org.cairn.core.ktx.hint
import org.cairn.core.ktx.kind
import org.cairn.core.ktx.use
import org.cairn.core.ktx.userMessage
import org.cairn.core.ktx.withUnlocked
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.CopyOnWriteArrayList

/** The sealed exception hierarchy, the progress listener and the log sink, from Kotlin. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityTest {
    private lateinit var emulator: Emulator

    private val password = "Copper-Willow-Lantern-4417"
    private val wrongPassword = "Gravel-Orchid-Sextant-8842"
    private val phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow"

    @BeforeAll
    fun startEmulator() {
        emulator = Emulator.start()
    }

    @AfterAll
    fun stopEmulator() = emulator.close()

    /** What the app shows for a failure, written the idiomatic way: a `when` over subclasses. */
    private fun screenFor(e: CairnException): String = when (e) {
        is CairnException.WrongPassword -> "wrong password: ${e.hint}"
        is CairnException.QuotaExceeded -> "storage full: ${e.hint}"
        is CairnException.NoBackupsFound -> "nothing to restore"
        else -> "other: ${e.kind}"
    }

    @Test
    fun `failures are subclasses of a sealed CairnException with secret-free texts`() {
        val token = emulator.createAccount("sealed")
        BackupService.googleDrive(emulator.baseUrl, FixedTokens(token)).use { service ->
            runBlocking { service.createFirstPassword(password).use { it.backupMnemonic(phrase, null, false, "w", emptyList()) } }
            val error = assertThrows<CairnException> { runBlocking { service.unlock(wrongPassword, null) } }
            assertTrue(error is CairnException.WrongPassword)
            assertTrue(screenFor(error).startsWith("wrong password: "))
            val typed = error as CairnException.WrongPassword
            assertEquals(typed.hint, error.hint)
            assertEquals(typed.errorMessage, error.userMessage)
            assertEquals(ErrorKind.WRONG_PASSWORD, error.kind)
            val texts = listOf(error.message ?: "", error.toString(), error.hint, error.userMessage)
            for (text in texts) {
                for (secret in listOf(wrongPassword, password, token) + phrase.split(" ")) {
                    assertFalse(Regex("\\b${Regex.escape(secret)}\\b").containsMatchIn(text), "'$secret' in '$text'")
                }
            }
        }
        emulator.createAccount("sealed-full")
        emulator.control("POST", "quota", """{"account":"sealed-full","provider":"google","limit":1000,"usage":1000}""")
        BackupService.googleDrive(emulator.baseUrl, FixedTokens(emulator.mintToken("sealed-full"))).use { service ->
            val error = assertThrows<CairnException> { runBlocking { service.createFirstPassword(password) } }
            assertTrue(error is CairnException.QuotaExceeded, "got ${error::class}")
            assertTrue(screenFor(error).startsWith("storage full: "))
        }
    }

    @Test
    fun `a progress listener sees a restore's downloads counted to the total`() = runBlocking {
        val events = CopyOnWriteArrayList<ProgressEvent>()
        BackupService.inMemory().use { service ->
            service.setProgressListener(object : ProgressListener {
                override fun onProgress(event: ProgressEvent) {
                    events.add(event)
                }
            })
            service.createFirstPassword(password).use { unlocked ->
                unlocked.backupMnemonic(phrase, null, false, "one", emptyList())
                unlocked.backupPrivateKey("e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35", null, "two", emptyList())
            }
            val first = events.filter { it.operation == CairnOperation.FIRST_PASSWORD }.map { it.stage }
            assertTrue(Stage.DERIVING_KEY in first, "$first")
            assertEquals(Stage.FINISHED, first.last())
            events.clear()
            service.withUnlocked(password) { it.restoreAll() }.use { assertEquals(2, it.wallets.size) }
            val downloads = events.filter { it.operation == CairnOperation.RESTORE && it.stage == Stage.DOWNLOADING }
            assertEquals(listOf(0uL to 2uL, 1uL to 2uL, 2uL to 2uL), downloads.map { it.completed to it.total })
            assertEquals(Stage.FINISHED, events.last { it.operation == CairnOperation.RESTORE }.stage)
            service.setProgressListener(null)
        }
    }

    @Test
    fun `the log sink gets useful records and no secret`() = runBlocking {
        val records = CopyOnWriteArrayList<LogRecord>()
        setLogSink(object : LogSink {
            override fun log(record: LogRecord) {
                records.add(record)
            }
        }, LogLevel.DEBUG)
        try {
            BackupService.inMemory().use { service ->
                service.createFirstPassword(password).use { it.backupMnemonic(phrase, "pass-phrase-xyz", true, "Label", emptyList()) }
                service.withUnlocked(password) { it.restoreAll() }.use { }
                assertThrows<CairnException.WrongPassword> { runBlocking { service.unlock(wrongPassword, null) } }
            }
        } finally {
            setLogSink(null, LogLevel.ERROR)
        }
        val lines = records.map { "${it.level} ${it.target} ${it.message}" }
        assertTrue(lines.any { it.contains("first_password finished in") }, "$lines")
        assertTrue(lines.any { it.startsWith("ERROR") && it.contains("unlock failed") && it.contains("wrong_password") }, "$lines")
        assertTrue(lines.any { it.contains("key derived in") }, "$lines")
        assertTrue(records.none { it.level == LogLevel.TRACE }, "a DEBUG sink gets no TRACE records")
        val forbidden = listOf(password, wrongPassword, "pass-phrase-xyz", "Label", "cairn-") + phrase.split(" ")
        for (line in lines) {
            for (secret in forbidden) {
                assertFalse(Regex("\\b${Regex.escape(secret)}\\b").containsMatchIn(line), "'$secret' in '$line'")
            }
        }
    }

    @Test
    fun `a listener and a sink that throw do not disturb a backup or a restore`() = runBlocking {
        var progressCalls = 0
        var logCalls = 0
        setLogSink(object : LogSink {
            override fun log(record: LogRecord) {
                logCalls++
                throw IllegalStateException("sink broke")
            }
        }, LogLevel.TRACE)
        try {
            BackupService.inMemory().use { service ->
                service.setProgressListener(object : ProgressListener {
                    override fun onProgress(event: ProgressEvent) {
                        progressCalls++
                        throw IllegalStateException("listener broke")
                    }
                })
                service.createFirstPassword(password).use { it.backupMnemonic(phrase, null, false, "w", emptyList()) }
                service.withUnlocked(password) { it.restoreAll() }.use { report ->
                    assertEquals(1, report.wallets.size)
                    assertEquals(phrase, report.wallets[0].revealPhrase())
                }
            }
        } finally {
            setLogSink(null, LogLevel.ERROR)
        }
        assertTrue(progressCalls > 0, "the listener was called")
        assertTrue(logCalls > 0, "the sink was called")
    }
}
