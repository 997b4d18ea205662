package org.cairn.sample

import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.net.Uri
import com.google.android.gms.common.GoogleApiAvailability
import com.huawei.hms.api.HuaweiApiAvailability

/**
 * The raw platform-service codes cairn-app's provider choice decides on. The shell only asks
 * the SDKs; what a code means (missing, outdated, disabled …) is decided in cairn-app.
 */
object PlatformServices {
    /** `GoogleApiAvailability.isGooglePlayServicesAvailable` (a `ConnectionResult` code). */
    fun googlePlayServicesCode(context: Context): Int =
        GoogleApiAvailability.getInstance().isGooglePlayServicesAvailable(context)

    /** `HuaweiApiAvailability.isHuaweiMobileServicesAvailable` (HMS `ConnectionResult` code). */
    fun hmsCoreCode(context: Context): Int =
        HuaweiApiAvailability.getInstance().isHuaweiMobileServicesAvailable(context)

    /** AppGallery's page for HMS Core (the "install or update HMS Core" action). */
    fun openHmsCoreInAppGallery(context: Context) {
        open(context, "appmarket://details?id=com.huawei.hwid", "https://appgallery.huawei.com/app/C10132067")
    }

    /** Google Play's page for Play services. */
    fun openPlayServicesInStore(context: Context) {
        open(
            context,
            "market://details?id=com.google.android.gms",
            "https://play.google.com/store/apps/details?id=com.google.android.gms",
        )
    }

    /** Where the user frees or buys cloud storage. */
    fun openStorageSettings(context: Context, huawei: Boolean) {
        if (huawei) {
            open(context, "https://cloud.huawei.com", "https://cloud.huawei.com")
        } else {
            open(context, "https://one.google.com/storage", "https://one.google.com/storage")
        }
    }

    private fun open(context: Context, uri: String, fallback: String) {
        val intent = Intent(Intent.ACTION_VIEW, Uri.parse(uri)).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        try {
            context.startActivity(intent)
        } catch (_: ActivityNotFoundException) {
            context.startActivity(Intent(Intent.ACTION_VIEW, Uri.parse(fallback)).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
        }
    }
}
