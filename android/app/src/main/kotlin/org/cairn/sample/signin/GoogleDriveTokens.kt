package org.cairn.sample.signin

import android.content.Context
import com.google.android.gms.auth.api.identity.AuthorizationRequest
import com.google.android.gms.auth.api.identity.AuthorizationResult
import com.google.android.gms.auth.api.identity.ClearTokenRequest
import com.google.android.gms.auth.api.identity.Identity
import com.google.android.gms.common.api.ApiException
import com.google.android.gms.common.api.CommonStatusCodes
import com.google.android.gms.common.api.Scope
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.tasks.await
import org.cairn.core.TokenException
import org.cairn.core.TokenProvider

/** Google Drive's hidden per-app folder; the only scope Cairn needs. */
const val DRIVE_APPDATA_SCOPE = "https://www.googleapis.com/auth/drive.appdata"

/**
 * Google Drive access tokens from Google Identity Services' AuthorizationClient
 * (`Identity.getAuthorizationClient`), the current API for OAuth scopes on Android. The first
 * call may show Google's consent screen; later calls are silent. Play services caches the
 * token, so a token Drive rejected (401) is cleared before asking again.
 */
class GoogleDriveTokens(
    context: Context,
    private val results: ActivityResults,
) : TokenProvider {
    private val client = Identity.getAuthorizationClient(context)
    private val request = AuthorizationRequest.builder()
        .setRequestedScopes(listOf(Scope(DRIVE_APPDATA_SCOPE)))
        .build()

    override suspend fun accessToken(): String = authorize()

    override suspend fun refreshAccessToken(rejected: String): String {
        guarded { client.clearToken(ClearTokenRequest.builder().setToken(rejected).build()).await() }
        val fresh = authorize()
        // The core's contract: never hand back the token that was just rejected.
        if (fresh == rejected) throw TokenException.ReSignInRequired()
        return fresh
    }

    private suspend fun authorize(): String {
        val result: AuthorizationResult = guarded { client.authorize(request).await() }
        if (!result.hasResolution()) return result.accessToken ?: throw TokenException.NotSignedIn()
        // Consent (or account choice) needed: show Google's screen, then read its answer.
        val pendingIntent = result.pendingIntent ?: throw TokenException.NotSignedIn()
        val data = results.launch(pendingIntent) ?: throw TokenException.NotSignedIn()
        val granted = guarded { client.getAuthorizationResultFromIntent(data) }
        return granted.accessToken ?: throw TokenException.NotSignedIn()
    }

    /** Google's failures as the core's token errors (network vs. sign in again). */
    private suspend fun <T> guarded(call: suspend () -> T): T = try {
        call()
    } catch (e: CancellationException) {
        throw e
    } catch (e: ApiException) {
        throw when (e.statusCode) {
            CommonStatusCodes.NETWORK_ERROR, CommonStatusCodes.TIMEOUT -> TokenException.Network()
            CommonStatusCodes.SIGN_IN_REQUIRED -> TokenException.NotSignedIn()
            else -> TokenException.ReSignInRequired()
        }
    }
}
