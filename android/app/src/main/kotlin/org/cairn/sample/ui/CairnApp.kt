package org.cairn.sample.ui

import android.app.Activity
import android.content.Intent
import android.net.Uri
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.cairn.core.CloudProvider
import org.cairn.core.RecoveryAction
import org.cairn.sample.AppState
import org.cairn.sample.CairnViewModel
import org.cairn.sample.PlatformServices
import org.cairn.sample.signin.ActivityResults

@Composable
fun CairnApp(viewModel: CairnViewModel, activity: Activity, results: ActivityResults) {
    val state by viewModel.state.collectAsState()
    MaterialTheme {
        Scaffold { padding ->
            Column(
                Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                when (val current = state) {
                    null -> {}
                    is AppState.ChooseProvider -> ProviderChoice(
                        current,
                        onOpen = { provider, account -> viewModel.open(provider, account, activity, results) },
                        onAction = { action -> perform(action, null, viewModel, activity) },
                    )
                    is AppState.Session -> SessionScreen(
                        current.screen,
                        viewModel,
                        onAction = { action -> perform(action, current.provider, viewModel, activity) },
                        onSignOut = { viewModel.showProviders(activity) },
                    )
                }
            }
        }
    }
}

/**
 * What each of cairn-app's recovery actions means on Android. cairn-app chose the action; this
 * only carries it out with the platform's means.
 */
private fun perform(action: RecoveryAction, provider: CloudProvider?, viewModel: CairnViewModel, activity: Activity) {
    when (action) {
        RecoveryAction.RETRY -> viewModel.retry()
        RecoveryAction.RE_ENTER_PASSWORD, RecoveryAction.CORRECT_INPUT, RecoveryAction.DISMISS -> viewModel.dismissError()
        RecoveryAction.FORGOT_PASSWORD -> viewModel.forgotPassword()
        RecoveryAction.START_FIRST_BACKUP -> viewModel.beginFirstBackup()
        RecoveryAction.SIGN_IN_AGAIN, RecoveryAction.SWITCH_ACCOUNT, RecoveryAction.CHOOSE_ANOTHER_PROVIDER ->
            viewModel.showProviders(activity)
        RecoveryAction.FREE_UP_STORAGE -> {
            PlatformServices.openStorageSettings(activity, huawei = provider == CloudProvider.HUAWEI_DRIVE)
            viewModel.dismissError()
        }
        RecoveryAction.INSTALL_OR_UPDATE_HMS_CORE -> PlatformServices.openHmsCoreInAppGallery(activity)
        RecoveryAction.INSTALL_OR_UPDATE_PLAY_SERVICES -> PlatformServices.openPlayServicesInStore(activity)
        RecoveryAction.UPDATE_APP -> activity.startActivity(
            Intent(Intent.ACTION_VIEW, Uri.parse("market://details?id=${activity.packageName}")),
        )
        // iCloud is not offered on Android.
        RecoveryAction.OPEN_I_CLOUD_SETTINGS -> viewModel.dismissError()
    }
}
