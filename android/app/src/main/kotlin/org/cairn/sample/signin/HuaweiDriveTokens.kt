package org.cairn.sample.signin

import android.app.Activity
import com.huawei.hmf.tasks.Task
import com.huawei.hms.common.ApiException
import com.huawei.hms.support.account.AccountAuthManager
import com.huawei.hms.support.account.request.AccountAuthParams
import com.huawei.hms.support.account.request.AccountAuthParamsHelper
import com.huawei.hms.support.account.result.AuthAccount
import com.huawei.hms.support.api.entity.auth.Scope
import com.huawei.hms.support.hwid.common.HuaweiIdAuthException
import com.huawei.hms.support.hwid.tools.HuaweiIdAuthTool
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
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
 * `HuaweiApiAvailability.isHuaweiMobileServicesAvailable` code).
 *
 * Sign-in (silent first, the sign-in screen when that needs the user) only establishes the
 * account and the user's grant of the Drive scope; the token itself comes from
 * `HuaweiIdAuthTool.requestAccessToken(context, account, scopes)`, Account Kit's supported way
 * to get an access token for an account. `AuthAccount.accessToken` (the token handed back with
 * the sign-in result) is deprecated as of Account Kit 6.12.0.300 and is not used. A refresh is
 * another request for the same account after the rejected token is cleared from HMS's cache
 * (`HuaweiIdAuthTool.deleteAuthInfo`).
 */
class HuaweiDriveTokens(
    private val activity: Activity,
    private val results: ActivityResults,
) : TokenProvider {
    private val scopes = listOf(Scope(HUAWEI_DRIVE_APPDATA_SCOPE))
    private val service = AccountAuthManager.getService(
        activity,
        AccountAuthParamsHelper(AccountAuthParams.DEFAULT_AUTH_REQUEST_PARAM)
            .setScopeList(scopes)
            .createParams(),
    )

    override suspend fun accessToken(): String = requestToken(signIn())

    override suspend fun refreshAccessToken(rejected: String): String {
        withContext(Dispatchers.IO) {
            try {
                HuaweiIdAuthTool.deleteAuthInfo(activity, rejected)
            } catch (e: HuaweiIdAuthException) {
                // Nothing cached for that token: the request below asks HMS Core afresh anyway.
            }
        }
        val fresh = requestToken(signIn())
        if (fresh == rejected) throw TokenException.ReSignInRequired()
        return fresh
    }

    /** The Drive token for a signed-in account. The call blocks (it talks to HMS Core), so it
     *  runs off the main thread. */
    private suspend fun requestToken(account: AuthAccount): String = withContext(Dispatchers.IO) {
        try {
            HuaweiIdAuthTool.requestAccessToken(activity, account.getAccount(activity), scopes)
        } catch (e: HuaweiIdAuthException) {
            // The grant is gone or HMS Core refused: only a new sign-in can fix that.
            throw TokenException.ReSignInRequired()
        }
    }?.takeIf { it.isNotEmpty() } ?: throw TokenException.NotSignedIn()

    private suspend fun signIn(): AuthAccount {
        return try {
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
