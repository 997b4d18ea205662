package org.cairn.sample

import android.app.Activity
import org.cairn.core.AppSession
import org.cairn.core.CloudProvider
import org.cairn.core.EmulatorAccount
import org.cairn.core.PlatformProbes
import org.cairn.sample.signin.ActivityResults
import org.cairn.sample.signin.GoogleDriveTokens
import org.cairn.sample.signin.HuaweiDriveTokens

/** The production flavour: the real Google Drive and Huawei Drive with the platform sign-in SDKs. */
object Backend {
    const val USES_EMULATOR = false

    private const val GOOGLE_API_BASE = "https://www.googleapis.com"
    private const val HUAWEI_API_BASE = "https://driveapis.cloud.huawei.com.cn"

    val description: String get() = "Google Drive / Huawei Drive"

    /** The device's real Play services and HMS Core codes, for cairn-app's provider choice. */
    fun probes(activity: Activity): PlatformProbes = PlatformProbes(
        googlePlayServices = PlatformServices.googlePlayServicesCode(activity),
        hmsCore = PlatformServices.hmsCoreCode(activity),
        icloudAccountStatus = null,
    )

    /** No dev menu in production. */
    suspend fun accounts(): List<EmulatorAccount> = emptyList()

    fun openSession(
        provider: CloudProvider,
        accountId: String?,
        activity: Activity,
        results: ActivityResults,
    ): AppSession = when (provider) {
        CloudProvider.GOOGLE_DRIVE -> AppSession.googleDrive(GOOGLE_API_BASE, GoogleDriveTokens(activity, results))
        CloudProvider.HUAWEI_DRIVE -> AppSession.huaweiDrive(HUAWEI_API_BASE, HuaweiDriveTokens(activity, results))
        CloudProvider.I_CLOUD -> error("iCloud is not offered on Android")
    }
}
