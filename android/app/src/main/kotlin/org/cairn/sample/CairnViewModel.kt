package org.cairn.sample

import android.app.Activity
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.cairn.core.AppSession
import org.cairn.core.CairnException
import org.cairn.core.CloudProvider
import org.cairn.core.EmulatorAccount
import org.cairn.core.Platform
import org.cairn.core.ProviderOption
import org.cairn.core.Screen
import org.cairn.core.WalletInput
import org.cairn.core.ktx.kind
import org.cairn.core.ktx.hint
import org.cairn.core.ktx.userMessage
import org.cairn.core.presentFailure
import org.cairn.core.providerOptions
import org.cairn.sample.signin.ActivityResults

/** What the app shows: before sign-in the provider choice (and dev menu), then a session's screen. */
sealed interface AppState {
    /** Choose where to back up; [accounts] is the emulator flavour's dev menu (else empty). */
    data class ChooseProvider(
        val options: List<ProviderOption>,
        val accounts: List<EmulatorAccount>,
        val backendDescription: String,
        val problem: String? = null,
    ) : AppState

    /** A signed-in account: render [screen] (cairn-app's state). */
    data class Session(val provider: CloudProvider, val screen: Screen) : AppState
}

/**
 * Glue between Compose and cairn-app's `AppSession`: forwards each user action to the session
 * and publishes the `Screen` it returns. Decides nothing itself.
 */
class CairnViewModel : ViewModel() {
    private val _state = MutableStateFlow<AppState?>(null)
    val state: StateFlow<AppState?> = _state.asStateFlow()

    private var session: AppSession? = null

    /** The start screen: cairn-app's provider options for this device (and emulator accounts). */
    fun showProviders(activity: Activity, problem: String? = null) {
        closeSession()
        val options = providerOptions(Platform.ANDROID, Backend.probes(activity))
        _state.value = AppState.ChooseProvider(options, emptyList(), Backend.description, problem)
        if (Backend.USES_EMULATOR) {
            viewModelScope.launch {
                val accounts = try {
                    Backend.accounts()
                } catch (e: CairnException) {
                    _state.value = AppState.ChooseProvider(options, emptyList(), Backend.description, "${e.userMessage} ${e.hint}")
                    return@launch
                }
                _state.value = AppState.ChooseProvider(options, accounts, Backend.description, problem)
            }
        }
    }

    /** Signs in to [provider] (as emulator account [accountId] in the emulator flavour) and loads. */
    fun open(provider: CloudProvider, accountId: String?, activity: Activity, results: ActivityResults) {
        closeSession()
        val opened = try {
            Backend.openSession(provider, accountId, activity, results)
        } catch (e: CairnException) {
            val presentation = presentFailure(e.kind, e.userMessage, e.hint, provider)
            showProviders(activity, "${presentation.title}: ${presentation.hint}")
            return
        }
        session = opened
        act(provider) { refresh() }
    }

    // One line per session action; cairn-app decides the next screen.
    fun beginFirstBackup() = now { beginFirstBackup() }
    fun submitFirstBackup(password: String, confirmation: String, wallet: WalletInput) =
        act { submitFirstBackup(password, confirmation, wallet) }
    fun beginAddWallet() = now { beginAddWallet() }
    fun submitAddWallet(password: String, wallet: WalletInput) = act { submitAddWallet(password, wallet) }
    fun beginRestore() = act { beginRestore() }
    fun submitRestore(password: String, epochId: String?) = act {
        try {
            submitRestore(password, epochId)
        } catch (e: CairnException) {
            // Only a malformed epoch id throws; shown like any other failure.
            Screen.Error(presentFailure(e.kind, e.userMessage, e.hint, provider()))
        }
    }
    fun closeResults() = now { closeResults() }
    fun forgotPassword() = now { forgotPassword() }
    fun beginNewPassword() = now { beginNewPassword() }
    fun submitNewPassword(password: String, confirmation: String) =
        act { submitNewPassword(password, confirmation) }
    fun checkHealth() = act { checkHealth() }
    fun goHome() = now { goHome() }
    fun dismissError() = now { dismissError() }
    fun retry() = act { retry() }
    fun refresh() = act { refresh() }

    private fun now(action: AppSession.() -> Screen) {
        val current = session ?: return
        val provider = current.provider() ?: return
        _state.value = AppState.Session(provider, current.action())
    }

    private fun act(provider: CloudProvider? = null, action: suspend AppSession.() -> Screen) {
        val current = session ?: return
        val shownProvider = provider ?: current.provider() ?: return
        viewModelScope.launch {
            // Started undispatched, the action has entered the session before we look: the
            // session then reports `Working { task }` for the spinner.
            val next = async(start = CoroutineStart.UNDISPATCHED) { current.action() }
            if (next.isActive) _state.value = AppState.Session(shownProvider, current.screen())
            _state.value = AppState.Session(shownProvider, next.await())
        }
    }

    private fun closeSession() {
        // Wipes restored wallets still on screen.
        session?.close()
        session?.destroy()
        session = null
    }

    override fun onCleared() {
        closeSession()
    }
}
