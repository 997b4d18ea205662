package org.cairn.sample

import android.app.Activity
import org.cairn.core.AppSession
import org.cairn.core.CloudProvider
import org.cairn.core.DevTarget
import org.cairn.core.EmulatorAccount
import org.cairn.core.EmulatorEndpoints
import org.cairn.core.PlatformProbes
import org.cairn.core.emulatorEndpoints
import org.cairn.core.listEmulatorAccounts
import org.cairn.sample.signin.ActivityResults

/**
 * The emulator flavour: every provider is `cairn emulator serve` on the developer's machine,
 * seen from the Android emulator at 10.0.2.2 (cairn-app's `DevTarget.AndroidEmulator`), and the
 * signed-in account is whichever emulator account the dev menu picked. Tokens are minted by
 * the emulator through cairn-app; no Google or Huawei SDK is called.
 */
object Backend {
    const val USES_EMULATOR = true

    private val endpoints: EmulatorEndpoints by lazy {
        emulatorEndpoints(DevTarget.AndroidEmulator, BuildConfig.EMULATOR_PORT.toUShort())
    }

    /** Where the dev menu says it is looking. */
    val description: String get() = "Emulator at ${endpoints.baseUrl}"

    /**
     * The emulator serves Google Drive and Huawei Drive alike, so both are offered whatever
     * this AVD has installed: Play services unprobed (cairn-app assumes present), HMS Core
     * reported as available (code 0).
     */
    fun probes(activity: Activity): PlatformProbes =
        PlatformProbes(googlePlayServices = null, hmsCore = 0, icloudAccountStatus = null)

    /** The emulator's accounts for the dev menu (`GET /__control/accounts`). */
    suspend fun accounts(): List<EmulatorAccount> = listEmulatorAccounts(endpoints)

    /** A session for [provider] as the emulator account [accountId]. */
    fun openSession(
        provider: CloudProvider,
        accountId: String?,
        activity: Activity,
        results: ActivityResults,
    ): AppSession = AppSession.emulator(endpoints, requireNotNull(accountId) { "choose an emulator account" }, provider)
}
