// The default HTTP client Cairn's Rust library sends its requests through (ADR 0007): OkHttp,
// so requests get the platform's trust store, user/enterprise CAs, proxies and Android's
// network-security-config. (HttpURLConnection cannot send PATCH, which Drive updates use.)
package org.cairn.core.ktx

import kotlinx.coroutines.suspendCancellableCoroutine
import okhttp3.Call
import okhttp3.Callback
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okhttp3.ResponseBody
import okio.Buffer
import org.cairn.core.HttpClient
import org.cairn.core.HttpException
import org.cairn.core.HttpHeader
import org.cairn.core.HttpMethod
import org.cairn.core.HttpRequest
import org.cairn.core.HttpResponse
import org.cairn.core.setHttpClient
import java.io.IOException
import java.io.InterruptedIOException
import java.net.ConnectException
import java.net.NoRouteToHostException
import java.net.UnknownHostException
import java.util.concurrent.TimeUnit
import javax.net.ssl.SSLException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/** Installs the HTTP client every Cairn service built afterwards uses. Call once at app start. */
object CairnHttp {
    /** The default client, over one shared [OkHttpClient]. */
    val default: HttpClient by lazy { OkHttpCairnClient() }

    @Volatile private var current: HttpClient? = null

    /** Installs [default] unless it is already installed (safe to call from every entry point). */
    @JvmStatic
    fun installDefault() = synchronized(this) {
        if (current !== default) install(default)
    }

    /**
     * Installs [client] (e.g. an [OkHttpCairnClient] over the app's own configured OkHttpClient).
     * First checks that the native library matches these bindings ([CairnLibrary.requireMatchingBuild]).
     */
    @JvmStatic
    fun install(client: HttpClient) = synchronized(this) {
        CairnLibrary.requireMatchingBuild()
        setHttpClient(client)
        current = client
    }
}

/**
 * [HttpClient] over OkHttp: the request's own timeout for the whole call, the response body read
 * only up to `maxResponseBytes` (Rust checks it again), cancellation of the Rust call cancels the
 * OkHttp call.
 */
class OkHttpCairnClient(private val client: OkHttpClient = OkHttpClient()) : HttpClient {
    override suspend fun send(request: HttpRequest): HttpResponse {
        val call = client.newCall(toOkHttp(request))
        call.timeout().timeout(request.timeoutMs().toLong().coerceAtLeast(1), TimeUnit.MILLISECONDS)
        val limit = request.maxResponseBytes().coerceAtMost(Long.MAX_VALUE.toULong()).toLong()
        return suspendCancellableCoroutine { continuation ->
            continuation.invokeOnCancellation { call.cancel() }
            call.enqueue(object : Callback {
                override fun onFailure(call: Call, e: IOException) {
                    continuation.resumeWithException(mapFailure(e))
                }

                override fun onResponse(call: Call, response: Response) {
                    val result = runCatching { response.use { read(it, limit) } }
                    result.fold(continuation::resume) { continuation.resumeWithException(it) }
                }
            })
        }
    }

    private fun toOkHttp(request: HttpRequest): Request {
        val body = request.body()
        val builder = try {
            Request.Builder().url(request.url())
        } catch (e: IllegalArgumentException) {
            throw HttpException.InvalidRequest()
        }
        for (header in request.headers()) {
            try {
                builder.addHeader(header.name, header.value)
            } catch (e: IllegalArgumentException) {
                // OkHttp's message would quote the value, which may be the bearer token.
                throw HttpException.InvalidRequest()
            }
        }
        val method = when (request.method()) {
            HttpMethod.GET -> "GET"
            HttpMethod.POST -> "POST"
            HttpMethod.PATCH -> "PATCH"
            HttpMethod.DELETE -> "DELETE"
        }
        // The Content-Type header is among the headers, so the body carries no media type.
        val requestBody = if (body.isEmpty() && method in setOf("GET", "DELETE")) null else body.toRequestBody(null)
        return builder.method(method, requestBody).build()
    }

    private fun read(response: Response, limit: Long): HttpResponse {
        val body: ResponseBody = response.body ?: return HttpResponse(response.code.toUShort(), headers(response), ByteArray(0))
        if (body.contentLength() > limit) throw HttpException.BodyTooLarge()
        val source = body.source()
        val buffer = Buffer()
        try {
            while (source.read(buffer, 8192) != -1L) {
                if (buffer.size > limit) throw HttpException.BodyTooLarge()
            }
        } catch (e: IOException) {
            throw mapFailure(e)
        }
        // Codes outside 0..65535 do not occur in HTTP; Rust refuses anything outside 100..599.
        val status = response.code.coerceIn(0, 65535).toUShort()
        return HttpResponse(status, headers(response), buffer.readByteArray())
    }

    private fun headers(response: Response): List<HttpHeader> =
        response.headers.map { (name, value) -> HttpHeader(name, value) }

    private fun mapFailure(e: IOException): HttpException = when (e) {
        is java.net.SocketTimeoutException -> HttpException.Timeout()
        is UnknownHostException, is ConnectException, is NoRouteToHostException, is SSLException ->
            HttpException.Connect()
        // OkHttp's call timeout is an InterruptedIOException("timeout").
        is InterruptedIOException -> if (e.message == "timeout") HttpException.Timeout() else HttpException.Interrupted()
        else -> HttpException.Interrupted()
    }
}
