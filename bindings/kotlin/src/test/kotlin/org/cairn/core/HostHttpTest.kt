package org.cairn.core

import kotlinx.coroutines.runBlocking
import org.cairn.core.ktx.CairnHttp
import org.cairn.core.ktx.hint
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.CopyOnWriteArrayList

/**
 * What Rust does with a misbehaving host HTTP client (ADR 0007): an answer it must not trust
 * becomes a typed `CairnException`, decided in Rust, after one request (none of these is retried).
 */
class HostHttpTest {
    /** A host client that answers every request with [answer], recording what it was asked. */
    private class ScriptedHost(private val answer: (HttpRequest) -> HttpResponse) : HttpClient {
        val seen = CopyOnWriteArrayList<Triple<HttpMethod, String, ULong>>()
        var authorized = true

        override suspend fun send(request: HttpRequest): HttpResponse {
            seen += Triple(request.method(), request.url(), request.maxResponseBytes())
            authorized = authorized && request.headers().any { it.name == "Authorization" && it.value.startsWith("Bearer ") }
            assertEquals(60_000uL, request.timeoutMs())
            return answer(request)
        }
    }

    /** Builds a Drive service over [host] and gives the default client back for every other test. */
    private fun serviceOver(host: HttpClient): BackupService {
        CairnHttp.install(host)
        try {
            return BackupService.googleDrive("https://www.googleapis.com", FixedTokens("token"))
        } finally {
            CairnHttp.installDefault()
        }
    }

    private fun failure(service: BackupService): CairnException =
        assertThrows<CairnException> { runBlocking { service.inventory() } }

    @Test
    fun `a body longer than maxResponseBytes is refused by Rust`() {
        val host = ScriptedHost { request ->
            val tooLong = ByteArray(request.maxResponseBytes().toInt() + 1) { ' '.code.toByte() }
            HttpResponse(200u, listOf(HttpHeader("Content-Type", "application/json")), tooLong)
        }
        val error = serviceOver(host).use { failure(it) }
        // A response Cairn refuses to trust reads as a network failure to the user.
        assertTrue(error is CairnException.Network, "$error")
        assertEquals(1, host.seen.size)
        assertEquals(HttpMethod.GET, host.seen.single().first)
        assertTrue(host.seen.single().second.startsWith("https://www.googleapis.com/drive/v3/files?"))
        assertTrue(host.authorized)
    }

    @Test
    fun `a status outside HTTP's range is a typed error, not a crash`() {
        for (status in listOf<UShort>(0u, 999u)) {
            val host = ScriptedHost { HttpResponse(status, emptyList(), "{}".toByteArray()) }
            val error = serviceOver(host).use { failure(it) }
            assertTrue(error is CairnException.CloudException, "$status: $error")
            assertEquals(1, host.seen.size)
        }
    }

    @Test
    fun `a client that throws its declared error maps to a typed error`() {
        val host = object : HttpClient {
            var calls = 0
            override suspend fun send(request: HttpRequest): HttpResponse {
                calls++
                throw HttpException.InvalidRequest()
            }
        }
        val error = serviceOver(host).use { failure(it) }
        assertTrue(error is CairnException.CloudException, "$error")
        assertEquals(1, host.calls)
    }

    @Test
    fun `installDefault is idempotent and the default client is installed afterwards`() {
        CairnHttp.installDefault()
        CairnHttp.installDefault()
        // The real OkHttp client against a closed port: a connect failure, retried, then typed.
        val service = BackupService.googleDrive("http://127.0.0.1:9", FixedTokens("token"))
        val error = service.use { failure(it) }
        assertTrue(error is CairnException.Network, "$error")
        assertTrue(error.hint.isNotEmpty())
    }
}
