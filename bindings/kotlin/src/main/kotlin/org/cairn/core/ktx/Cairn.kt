// Hand-written conveniences over the generated bindings (package org.cairn.core), only where the
// raw binding is awkward: secret handles that must not outlive a block, and error fields.
package org.cairn.core.ktx

import org.cairn.core.BackupService
import org.cairn.core.CairnException
import org.cairn.core.ErrorKind
import org.cairn.core.RestoreReport
import org.cairn.core.RestoredWallet
import org.cairn.core.UnlockedBackup

// `CairnException` is sealed, one subclass per kind (`CairnException.WrongPassword`, …), so
// `when (e) { is CairnException.WrongPassword -> … }` is the idiomatic check. These accessors
// read the fields every subclass has; the `when`s are exhaustive, so a new kind fails this build.
// (UniFFI names the `CloudError` kind's subclass `CloudException`.)

/** The stable kind of any Cairn failure. */
val CairnException.kind: ErrorKind
    get() = when (this) {
        is CairnException.WrongPassword -> ErrorKind.WRONG_PASSWORD
        is CairnException.NoBackupsFound -> ErrorKind.NO_BACKUPS_FOUND
        is CairnException.BackupExists -> ErrorKind.BACKUP_EXISTS
        is CairnException.NotFound -> ErrorKind.NOT_FOUND
        is CairnException.QuotaExceeded -> ErrorKind.QUOTA_EXCEEDED
        is CairnException.NotSignedIn -> ErrorKind.NOT_SIGNED_IN
        is CairnException.ReauthRequired -> ErrorKind.REAUTH_REQUIRED
        is CairnException.RateLimited -> ErrorKind.RATE_LIMITED
        is CairnException.Network -> ErrorKind.NETWORK
        is CairnException.Corrupted -> ErrorKind.CORRUPTED
        is CairnException.UnsupportedVersion -> ErrorKind.UNSUPPORTED_VERSION
        is CairnException.KdfParamsOutOfBounds -> ErrorKind.KDF_PARAMS_OUT_OF_BOUNDS
        is CairnException.PasswordPolicy -> ErrorKind.PASSWORD_POLICY
        is CairnException.InvalidMnemonic -> ErrorKind.INVALID_MNEMONIC
        is CairnException.InvalidPrivateKey -> ErrorKind.INVALID_PRIVATE_KEY
        is CairnException.PassphraseMismatch -> ErrorKind.PASSPHRASE_MISMATCH
        is CairnException.ProviderUnavailable -> ErrorKind.PROVIDER_UNAVAILABLE
        is CairnException.VerificationFailed -> ErrorKind.VERIFICATION_FAILED
        is CairnException.Conflict -> ErrorKind.CONFLICT
        is CairnException.InvalidInput -> ErrorKind.INVALID_INPUT
        is CairnException.CloudException -> ErrorKind.CLOUD_ERROR
        is CairnException.Internal -> ErrorKind.INTERNAL
        is CairnException.Cancelled -> ErrorKind.CANCELLED
    }

/** What the user can do about it (one sentence, safe to show). */
val CairnException.hint: String
    get() = when (this) {
        is CairnException.WrongPassword -> hint
        is CairnException.NoBackupsFound -> hint
        is CairnException.BackupExists -> hint
        is CairnException.NotFound -> hint
        is CairnException.QuotaExceeded -> hint
        is CairnException.NotSignedIn -> hint
        is CairnException.ReauthRequired -> hint
        is CairnException.RateLimited -> hint
        is CairnException.Network -> hint
        is CairnException.Corrupted -> hint
        is CairnException.UnsupportedVersion -> hint
        is CairnException.KdfParamsOutOfBounds -> hint
        is CairnException.PasswordPolicy -> hint
        is CairnException.InvalidMnemonic -> hint
        is CairnException.InvalidPrivateKey -> hint
        is CairnException.PassphraseMismatch -> hint
        is CairnException.ProviderUnavailable -> hint
        is CairnException.VerificationFailed -> hint
        is CairnException.Conflict -> hint
        is CairnException.InvalidInput -> hint
        is CairnException.CloudException -> hint
        is CairnException.Internal -> hint
        is CairnException.Cancelled -> hint
    }

/** The short sentence for the user (Kotlin's `message` is the `field=value` rendering). */
val CairnException.userMessage: String
    get() = when (this) {
        is CairnException.WrongPassword -> errorMessage
        is CairnException.NoBackupsFound -> errorMessage
        is CairnException.BackupExists -> errorMessage
        is CairnException.NotFound -> errorMessage
        is CairnException.QuotaExceeded -> errorMessage
        is CairnException.NotSignedIn -> errorMessage
        is CairnException.ReauthRequired -> errorMessage
        is CairnException.RateLimited -> errorMessage
        is CairnException.Network -> errorMessage
        is CairnException.Corrupted -> errorMessage
        is CairnException.UnsupportedVersion -> errorMessage
        is CairnException.KdfParamsOutOfBounds -> errorMessage
        is CairnException.PasswordPolicy -> errorMessage
        is CairnException.InvalidMnemonic -> errorMessage
        is CairnException.InvalidPrivateKey -> errorMessage
        is CairnException.PassphraseMismatch -> errorMessage
        is CairnException.ProviderUnavailable -> errorMessage
        is CairnException.VerificationFailed -> errorMessage
        is CairnException.Conflict -> errorMessage
        is CairnException.InvalidInput -> errorMessage
        is CairnException.CloudException -> errorMessage
        is CairnException.Internal -> errorMessage
        is CairnException.Cancelled -> errorMessage
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
