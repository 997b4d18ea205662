package org.cairn.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.selection.selectable
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.cairn.core.AppTask
import org.cairn.core.CloudProvider
import org.cairn.core.EpochView
import org.cairn.core.HealthStatus
import org.cairn.core.Notice
import org.cairn.core.RecoveryAction
import org.cairn.core.RestoredWalletHandle
import org.cairn.core.Screen
import org.cairn.sample.AppState
import org.cairn.sample.CairnViewModel

/** Where to back up: cairn-app's provider options, and in the emulator flavour the dev menu. */
@Composable
fun ProviderChoice(
    state: AppState.ChooseProvider,
    onOpen: (CloudProvider, String?) -> Unit,
    onAction: (RecoveryAction) -> Unit,
) {
    var account by remember { mutableStateOf<String?>(null) }
    Text("Back up to cloud", style = MaterialTheme.typography.headlineSmall)
    Text(state.backendDescription, style = MaterialTheme.typography.bodySmall)
    state.problem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
    if (state.accounts.isNotEmpty()) {
        Text("Dev menu: emulator account", style = MaterialTheme.typography.titleMedium)
        state.accounts.forEach { candidate ->
            Row(Modifier.selectable(selected = account == candidate.id, onClick = { account = candidate.id })) {
                RadioButton(selected = account == candidate.id, onClick = { account = candidate.id })
                Text("${candidate.displayName} <${candidate.email}>")
            }
        }
    }
    state.options.forEach { option ->
        if (option.available) {
            Button(
                onClick = { onOpen(option.provider, account) },
                enabled = state.accounts.isEmpty() || account != null,
            ) { Text(if (option.recommended) "${option.displayName} (recommended)" else option.displayName) }
        } else {
            Text(option.displayName, style = MaterialTheme.typography.titleMedium)
            option.presentation?.let { ErrorCard(it, onAction) }
        }
    }
}

/** One of cairn-app's `Screen` states. */
@Composable
fun SessionScreen(screen: Screen, vm: CairnViewModel, onAction: (RecoveryAction) -> Unit, onSignOut: () -> Unit) {
    when (screen) {
        is Screen.Working -> Working(screen.task)
        is Screen.FirstBackup -> FirstBackup(screen, vm, onAction)
        is Screen.Home -> Home(screen, vm, onSignOut)
        is Screen.AddWallet -> AddWallet(screen, vm, onAction)
        is Screen.Restore -> Restore(screen, vm, onAction)
        is Screen.RestoreResults -> RestoreResults(screen, vm, onAction)
        is Screen.ForgotPassword -> ForgotPassword(screen, vm)
        is Screen.NewPassword -> NewPassword(screen, vm, onAction)
        is Screen.Health -> Health(screen, vm, onAction)
        is Screen.NoBackupsFound -> ErrorCard(screen.presentation, onAction)
        is Screen.Error -> ErrorCard(screen.presentation, onAction)
    }
}

@Composable
private fun Working(task: AppTask) {
    CircularProgressIndicator()
    Text(
        when (task) {
            AppTask.LOADING -> "Reading your backups…"
            AppTask.CREATING_FIRST_PASSWORD -> "Setting your backup password…"
            AppTask.VERIFYING_PASSWORD -> "Checking your backup password…"
            AppTask.BACKING_UP -> "Backing up and verifying…"
            AppTask.RESTORING -> "Restoring your wallets…"
            AppTask.STARTING_NEW_PASSWORD -> "Setting your new backup password…"
            AppTask.CHECKING_HEALTH -> "Checking your backups…"
        },
    )
}

@Composable
private fun FirstBackup(screen: Screen.FirstBackup, vm: CairnViewModel, onAction: (RecoveryAction) -> Unit) {
    val wallet = rememberWalletForm()
    Text("First backup", style = MaterialTheme.typography.headlineSmall)
    Text(
        "Choose a backup password. It encrypts the wallet on this phone before anything is uploaded, " +
            "and nobody can reset it. It is not your app password.",
    )
    screen.form.error?.let { ErrorCard(it, onAction) }
    WalletFields(wallet)
    NewPasswordFields("Back up") { password, confirmation ->
        vm.submitFirstBackup(password, confirmation, wallet.toInput())
        wallet.clear()
    }
}

@Composable
private fun Home(screen: Screen.Home, vm: CairnViewModel, onSignOut: () -> Unit) {
    val overview = screen.overview
    Text("Cloud backup", style = MaterialTheme.typography.headlineSmall)
    screen.notice?.let { Text(noticeText(it), color = MaterialTheme.colorScheme.primary) }
    Text("${overview.activeWallets} wallet(s) under your current backup password")
    if (overview.olderPasswordWallets > 0u) {
        Text("${overview.olderPasswordWallets} wallet(s) only under an older password")
    }
    if (overview.damagedObjects > 0u) Text("${overview.damagedObjects} damaged backup object(s): see backup health")
    Text("Last backup: ${formatTime(overview.lastBackupAt)}")
    overview.epochs.forEach { EpochRow(it) }
    Button(onClick = vm::beginAddWallet) { Text("Back up another wallet") }
    Button(onClick = vm::beginRestore) { Text("Restore wallets") }
    OutlinedButton(onClick = vm::checkHealth) { Text("Backup health") }
    TextButton(onClick = vm::forgotPassword) { Text("Forgot backup password?") }
    TextButton(onClick = onSignOut) { Text("Sign out / switch account") }
}

private fun noticeText(notice: Notice): String = when (notice) {
    is Notice.FirstBackupDone -> "Backed up and verified: your backup password is set."
    is Notice.WalletBackedUp -> "Wallet backed up and verified."
    is Notice.NewPasswordStarted ->
        "New backup password set. ${notice.olderPasswordWallets} wallet(s) remain under the old one; back them up again."
    is Notice.RestoreClosed -> "Restored wallets closed and wiped from memory."
}

@Composable
private fun EpochRow(epoch: EpochView) {
    Text(
        (if (epoch.isActive) "Current password" else "Older password") +
            ": ${epoch.walletCount} wallet(s), last backup ${formatTime(epoch.lastBackupAt)}",
        style = MaterialTheme.typography.bodySmall,
    )
}

@Composable
private fun AddWallet(screen: Screen.AddWallet, vm: CairnViewModel, onAction: (RecoveryAction) -> Unit) {
    val wallet = rememberWalletForm()
    Text("Back up another wallet", style = MaterialTheme.typography.headlineSmall)
    Text("Enter your backup password. It is checked before anything is uploaded.")
    screen.prompt.error?.let { ErrorCard(it, onAction) }
    WalletFields(wallet)
    PasswordEntry("Verify and back up") { password ->
        vm.submitAddWallet(password, wallet.toInput())
        wallet.clear()
    }
    ForgotAndCancel(screen.prompt.suggestForgotPassword, vm)
}

@Composable
private fun Restore(screen: Screen.Restore, vm: CairnViewModel, onAction: (RecoveryAction) -> Unit) {
    val selected = rememberSelection(screen.prompt.epochId ?: screen.epochs.firstOrNull { it.isActive }?.epochId)
    Text("Restore wallets", style = MaterialTheme.typography.headlineSmall)
    screen.epochs.forEach { epoch ->
        Row(Modifier.selectable(selected = selected.value == epoch.epochId, onClick = { selected.value = epoch.epochId })) {
            RadioButton(selected = selected.value == epoch.epochId, onClick = { selected.value = epoch.epochId })
            EpochRow(epoch)
        }
    }
    screen.prompt.error?.let { ErrorCard(it, onAction) }
    PasswordEntry("Restore") { password -> vm.submitRestore(password, selected.value) }
    ForgotAndCancel(screen.prompt.suggestForgotPassword, vm)
}

@Composable
private fun ForgotAndCancel(prominent: Boolean, vm: CairnViewModel) {
    if (prominent) {
        Button(onClick = vm::forgotPassword) { Text("Forgot backup password?") }
    } else {
        TextButton(onClick = vm::forgotPassword) { Text("Forgot backup password?") }
    }
    TextButton(onClick = vm::goHome) { Text("Cancel") }
}

@Composable
private fun RestoreResults(screen: Screen.RestoreResults, vm: CairnViewModel, onAction: (RecoveryAction) -> Unit) {
    val results = screen.results
    Text("Restored ${results.wallets.size} wallet(s)", style = MaterialTheme.typography.headlineSmall)
    if (results.fromOlderPassword) Text("These come from an older backup password: back them up again under the current one.")
    results.wallets.forEach { RestoredWalletRow(it) }
    results.failures.forEach { failure -> ErrorCard(failure.presentation, onAction) }
    Button(onClick = vm::closeResults) { Text("Done (wipe from memory)") }
}

/** One restored wallet: the phrase is read from Rust only while the user asks to see it. */
@Composable
private fun RestoredWalletRow(wallet: RestoredWalletHandle) {
    val info = remember(wallet) { wallet.info() }
    var shown by remember(wallet) { mutableStateOf<String?>(null) }
    HorizontalDivider()
    Text(info.label, style = MaterialTheme.typography.titleMedium)
    Text("Backed up ${formatTime(info.backedUpAt)}", style = MaterialTheme.typography.bodySmall)
    if (shown == null) {
        OutlinedButton(onClick = { shown = wallet.revealPhrase() ?: wallet.revealPrivateKey() }) { Text("Show secret") }
    } else {
        Text(shown.orEmpty())
        OutlinedButton(onClick = { shown = null }) { Text("Hide") }
    }
}

@Composable
private fun ForgotPassword(screen: Screen.ForgotPassword, vm: CairnViewModel) {
    Text("Forgot your backup password?", style = MaterialTheme.typography.headlineSmall)
    Text(screen.explanation)
    screen.existingEpochs.forEach { EpochRow(it) }
    Button(onClick = vm::beginNewPassword) { Text("Set a new backup password") }
    TextButton(onClick = vm::goHome) { Text("Cancel") }
}

@Composable
private fun NewPassword(screen: Screen.NewPassword, vm: CairnViewModel, onAction: (RecoveryAction) -> Unit) {
    Text("New backup password", style = MaterialTheme.typography.headlineSmall)
    screen.form.error?.let { ErrorCard(it, onAction) }
    NewPasswordFields("Set new password") { password, confirmation -> vm.submitNewPassword(password, confirmation) }
    TextButton(onClick = vm::goHome) { Text("Cancel") }
}

@Composable
private fun Health(screen: Screen.Health, vm: CairnViewModel, onAction: (RecoveryAction) -> Unit) {
    val report = screen.report
    Text("Backup health", style = MaterialTheme.typography.headlineSmall)
    Text("${report.needsAttention} wallet(s) need attention; ${report.cloudOnly} rely on the cloud backup alone")
    if (report.damagedObjects > 0u) Text("${report.damagedObjects} damaged backup object(s)")
    report.quota?.let { quota ->
        Text("Storage used: ${quota.used} bytes" + (quota.limit?.let { " of $it" } ?: ""))
    }
    report.wallets.forEach { wallet ->
        HorizontalDivider()
        Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(wallet.appWalletId, style = MaterialTheme.typography.bodySmall)
            when (val status = wallet.status) {
                is HealthStatus.BackedUpVerified -> Text("Backed up and verified ${formatTime(status.at)}")
                is HealthStatus.Stale -> Text("Changed since the last backup (${formatTime(status.backedUpAt)})")
                is HealthStatus.OlderPasswordOnly -> Text("Only under an older backup password")
                is HealthStatus.Missing -> Text("Not backed up")
                is HealthStatus.Unreachable -> Text("${status.errorMessage} ${status.hint}")
            }
            if (wallet.cloudOnly) Text("Only in the cloud: write the phrase down too.", style = MaterialTheme.typography.bodySmall)
        }
    }
    Button(onClick = vm::goHome) { Text("Back") }
}
