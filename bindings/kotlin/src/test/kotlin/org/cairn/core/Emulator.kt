package org.cairn.core

import java.io.BufferedReader
import java.io.InputStreamReader
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.TimeUnit

/** A real `cairn emulator serve --port 0` process and its control API. */
class Emulator private constructor(private val process: Process, val baseUrl: String) : AutoCloseable {
    private val http = HttpClient.newHttpClient()

    /** POSTs JSON to the control API and returns the body; fails on a non-2xx answer. */
    fun control(method: String, path: String, json: String? = null): String {
        val body = json?.let { HttpRequest.BodyPublishers.ofString(it) } ?: HttpRequest.BodyPublishers.noBody()
        val request = HttpRequest.newBuilder(URI.create("$baseUrl/__control/$path"))
            .header("Content-Type", "application/json")
            .method(method, body)
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) { "control $method $path: ${response.statusCode()} ${response.body()}" }
        return response.body()
    }

    /** Creates an account and returns its Google access token. */
    fun createAccount(id: String): String =
        googleToken(control("POST", "accounts", """{"id":"$id"}"""))

    /** A freshly minted Google access token for [id] (the host's silent sign-in). */
    fun mintToken(id: String): String =
        field(control("POST", "accounts/$id/tokens", """{"provider":"google"}"""), "access_token")

    fun huaweiToken(id: String): String =
        field(control("POST", "accounts/$id/tokens", """{"provider":"huawei"}"""), "access_token")

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
        fun start(): Emulator {
            // The Rust library sends HTTP through the host's client (ADR 0007), as an app does at start.
            org.cairn.core.ktx.CairnHttp.installDefault()
            val bin = System.getProperty("cairn.bin") ?: error("-Dcairn.bin is not set")
            val process = ProcessBuilder(bin, "emulator", "serve", "--port", "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start()
            val line = BufferedReader(InputStreamReader(process.inputStream)).readLine()
                ?: error("the emulator exited before it listened")
            val url = Regex("listening on (http://127\\.0\\.0\\.1:\\d+)").find(line)?.groupValues?.get(1)
                ?: error("unexpected first line from the emulator: $line")
            return Emulator(process, url)
        }

        private fun googleToken(json: String): String {
            val google = json.substringAfter("\"google\":")
            return field(google, "access_token")
        }

        fun field(json: String, name: String): String =
            Regex("\"$name\"\\s*:\\s*\"([^\"]+)\"").find(json)?.groupValues?.get(1)
                ?: error("no $name in $json")
    }
}

/** A host token provider that hands out a fixed token and never refreshes. */
class FixedTokens(private val token: String) : TokenProvider {
    override suspend fun accessToken(): String = token
    override suspend fun refreshAccessToken(rejected: String): String =
        throw TokenException.ReSignInRequired()
}
