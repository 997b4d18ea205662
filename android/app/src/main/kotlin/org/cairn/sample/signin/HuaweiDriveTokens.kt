package org.cairn.sample.signin

import android.app.Activity
import com.huawei.hmf.tasks.Task
import com.huawei.hms.common.ApiException
import com.huawei.hms.support.account.AccountAuthManager
import com.huawei.hms.support.account.request.AccountAuthParams
import com.huawei.hms.support.account.request.AccountAuthParamsHelper
import com.huawei.hms.support.account.result.AuthAccount
import com.huawei.hms.support.api.entity.auth.Scope
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.suspendCancellableCoroutine
import org.cairn.core.TokenException
import org.cairn.core.TokenProvider
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/** Huawei Drive's hidden per-app folder (Drive Kit `DriveScopes.SCOPE_DRIVE_APPDATA`). */
const val HUAWEI_DRIVE_APPDATA_SCOPE = "https://www.huawei.com/auth/drive.appdata"

/** Account Kit result codes the token provider acts on (Account Kit error-code reference). */
private object AccountKitCodes {
    const val SIGN_IN_AUTH = 2002 // silent sign-in not possible: show the sign-in screen
    const val SIGN_IN_NETWORK_ERROR = 2005
    const val SIGN_IN_CANCELLED = 2012
}

/**
 * Huawei Drive access tokens from HMS Account Kit. Call only after cairn-app's provider
 * choice said Huawei Drive is available (the shell passes it the raw
 * `HuaweiApiAvailability.isHuaweiMobileServicesAvailable` code). Refreshing is another silent
 * sign-in, which is what Huawei's own Drive samples do.
 */
class HuaweiDriveTokens(
    private val activity: Activity,
    private val results: ActivityResults,
) : TokenProvider {
    private val service = AccountAuthManager.getService(
        activity,
        AccountAuthParamsHelper(AccountAuthParams.DEFAULT_AUTH_REQUEST_PARAM)
            .setAccessToken()
            .setScopeList(listOf(Scope(HUAWEI_DRIVE_APPDATA_SCOPE)))
            .createParams(),
    )

    override suspend fun accessToken(): String = signIn()

    override suspend fun refreshAccessToken(rejected: String): String {
        val fresh = signIn()
        if (fresh == rejected) throw TokenException.ReSignInRequired()
        return fresh
    }

    private suspend fun signIn(): String {
        val account = try {
            service.silentSignIn().await()
        } catch (e: ApiException) {
            if (e.statusCode != AccountKitCodes.SIGN_IN_AUTH) throw e.asTokenError()
            val data = results.launch(service.signInIntent) ?: throw TokenException.NotSignedIn()
            try {
                AccountAuthManager.parseAuthResultFromIntent(data).await()
            } catch (e: ApiException) {
                throw e.asTokenError()
            }
        }
        return account.accessToken ?: throw TokenException.NotSignedIn()
    }

    private fun ApiException.asTokenError(): TokenException = when (statusCode) {
        AccountKitCodes.SIGN_IN_NETWORK_ERROR -> TokenException.Network()
        AccountKitCodes.SIGN_IN_CANCELLED -> TokenException.NotSignedIn()
        else -> TokenException.ReSignInRequired()
    }
}

/** HMS's own Task type as a suspend call. */
private suspend fun Task<AuthAccount>.await(): AuthAccount = suspendCancellableCoroutine { continuation ->
    addOnSuccessListener { continuation.resume(it) }
    addOnFailureListener { error ->
        if (error is CancellationException) continuation.cancel(error) else continuation.resumeWithException(error)
    }
}
