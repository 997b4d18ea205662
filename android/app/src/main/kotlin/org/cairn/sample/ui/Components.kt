package org.cairn.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.ui.unit.dp
import org.cairn.core.ErrorPresentation
import org.cairn.core.RecoveryAction
import org.cairn.core.WalletInput
import org.cairn.core.WalletSecretInput
import org.cairn.core.passwordFeedback
import org.cairn.core.recoveryActionLabel
import java.text.DateFormat
import java.util.Date
import java.util.UUID

/** A cairn-app error presentation: title, message, hint, and its actions as buttons. */
@Composable
fun ErrorCard(presentation: ErrorPresentation, onAction: (RecoveryAction) -> Unit) {
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.errorContainer),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(presentation.title, style = MaterialTheme.typography.titleMedium)
            Text(presentation.message)
            Text(presentation.hint, style = MaterialTheme.typography.bodySmall)
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = { onAction(presentation.primary) }) { Text(recoveryActionLabel(presentation.primary)) }
                presentation.secondary.forEach { action ->
                    OutlinedButton(onClick = { onAction(action) }) { Text(recoveryActionLabel(action)) }
                }
            }
        }
    }
}

@Composable
private fun SecretField(value: String, onChange: (String) -> Unit, label: String) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        visualTransformation = PasswordVisualTransformation(),
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password, autoCorrectEnabled = false),
        modifier = Modifier.fillMaxWidth(),
    )
}

/**
 * New backup password + confirmation with cairn-app's live feedback (strength, crack time,
 * warnings, policy, match). Submit is enabled when cairn-app says `canSubmit`.
 */
@Composable
fun NewPasswordFields(submitLabel: String, enabled: Boolean = true, onSubmit: (String, String) -> Unit) {
    var password by remember { mutableStateOf("") }
    var confirmation by remember { mutableStateOf("") }
    val feedback = remember(password, confirmation) { passwordFeedback(password, confirmation) }
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        SecretField(password, { password = it }, "Backup password")
        if (password.isNotEmpty()) {
            LinearProgressIndicator(
                progress = { feedback.scoreValue.toFloat() / 4f },
                modifier = Modifier.fillMaxWidth(),
            )
            Text("${feedback.label} — ${feedback.crackTime}", style = MaterialTheme.typography.bodySmall)
            feedback.warningTexts.forEach { Text(it, style = MaterialTheme.typography.bodySmall) }
            feedback.policyProblem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        }
        SecretField(confirmation, { confirmation = it }, "Confirm backup password")
        if (feedback.confirmationEntered && !feedback.confirmationMatches) {
            Text("The passwords do not match.", color = MaterialTheme.colorScheme.error)
        }
        Button(
            onClick = {
                onSubmit(password, confirmation)
                password = ""
                confirmation = ""
            },
            enabled = enabled && feedback.canSubmit,
        ) { Text(submitLabel) }
    }
}

/** The existing backup password, asked again (add a wallet, restore). */
@Composable
fun PasswordEntry(submitLabel: String, enabled: Boolean = true, onSubmit: (String) -> Unit) {
    var password by remember { mutableStateOf("") }
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        SecretField(password, { password = it }, "Backup password")
        Button(
            onClick = {
                onSubmit(password)
                password = ""
            },
            enabled = enabled && password.isNotEmpty(),
        ) { Text(submitLabel) }
    }
}

/** The wallet to back up: a label and its recovery phrase (this sample's stand-in for a wallet). */
class WalletFormState {
    var label by mutableStateOf("")
    var phrase by mutableStateOf("")

    /** cairn-app validates the phrase; the shell only packs what was typed. */
    fun toInput(): WalletInput = WalletInput(
        appWalletId = UUID.randomUUID().toString(),
        label = label.trim(),
        chainHints = emptyList(),
        secret = WalletSecretInput.Mnemonic(phrase = phrase, passphrase = null, includePassphrase = false),
    )

    fun clear() {
        phrase = ""
    }
}

@Composable
fun WalletFields(state: WalletFormState) {
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedTextField(
            value = state.label,
            onValueChange = { state.label = it },
            label = { Text("Wallet name") },
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = state.phrase,
            onValueChange = { state.phrase = it },
            label = { Text("Recovery phrase") },
            visualTransformation = PasswordVisualTransformation(),
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password, autoCorrectEnabled = false),
            modifier = Modifier.fillMaxWidth(),
        )
    }
}

@Composable
fun rememberWalletForm(): WalletFormState = remember { WalletFormState() }

/** Unix seconds as a local date and time. */
fun formatTime(seconds: ULong?): String =
    seconds?.let { DateFormat.getDateTimeInstance().format(Date(it.toLong() * 1000)) } ?: "—"

@Composable
fun rememberSelection(initial: String?): androidx.compose.runtime.MutableState<String?> =
    rememberSaveable { mutableStateOf(initial) }
