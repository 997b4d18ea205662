// Hand-written conveniences over the generated bindings (package org.cairn.core), only where the
// raw binding is awkward: secret handles that must not outlive a block, and error fields.
package org.cairn.core.ktx

import org.cairn.core.BackupService
import org.cairn.core.CairnException
import org.cairn.core.ErrorKind
import org.cairn.core.RestoreReport
import org.cairn.core.RestoredWallet
import org.cairn.core.UnlockedBackup

/** The stable kind of any Cairn failure. */
val CairnException.kind: ErrorKind
    get() = when (this) {
        is CairnException.Failure -> this.kind
    }

/** What the user can do about it (one sentence, safe to show). */
val CairnException.hint: String
    get() = when (this) {
        is CairnException.Failure -> this.hint
    }

/** The short sentence for the user (Kotlin's `message` is the `field=value` rendering). */
val CairnException.userMessage: String
    get() = when (this) {
        is CairnException.Failure -> this.errorMessage
    }

/**
 * Unlocks, runs [block], and closes the unlocked handle (dropping the epoch key) whatever
 * happens, including cancellation.
 */
suspend fun <R> BackupService.withUnlocked(password: String, block: suspend (UnlockedBackup) -> R): R =
    unlock(password, null).use { block(it) }

/** Wipes and closes one restored wallet. */
fun RestoredWallet.wipeAndClose() {
    wipe()
    close()
}

/**
 * Uses a restore's wallets inside [block], then wipes and closes every handle, so no phrase
 * outlives the screen that showed it.
 */
inline fun <R> RestoreReport.use(block: (RestoreReport) -> R): R {
    try {
        return block(this)
    } finally {
        wallets.forEach { it.wipeAndClose() }
    }
}
