// The Kotlin side of the version-skew check (ADR 0004): UniFFI's checksums are off for Kotlin
// (JNA's u16 returns on 32-bit ARM), so a string fingerprint is compared instead.
package org.cairn.core.ktx

import org.cairn.core.ffiBuildFingerprint

/** Checks that the loaded libcairn_ffi comes from the same Cairn build as these bindings. */
object CairnLibrary {
    @Volatile private var verified = false

    /**
     * Throws [IllegalStateException] if the native library was built from other FFI sources,
     * config or version than the Kotlin bindings. [CairnHttp.install] calls it; cached after the
     * first success.
     */
    @JvmStatic
    fun requireMatchingBuild() {
        if (verified) return
        requireMatchingBuild(EXPECTED_FFI_FINGERPRINT)
        verified = true
    }

    /** The comparison against [expected] (a test passes another value to see a refusal). */
    internal fun requireMatchingBuild(expected: String) {
        val library = ffiBuildFingerprint()
        check(library == expected) {
            "libcairn_ffi was built from another Cairn build: library ${library.take(12)}, " +
                "bindings ${expected.take(12)}; ship the .so and the Kotlin from the same `cargo xtask android` run"
        }
    }
}
