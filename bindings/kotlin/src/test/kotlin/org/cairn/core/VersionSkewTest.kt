package org.cairn.core

import org.cairn.core.ktx.CairnHttp
import org.cairn.core.ktx.CairnLibrary
import org.cairn.core.ktx.EXPECTED_FFI_FINGERPRINT
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertDoesNotThrow
import org.junit.jupiter.api.assertThrows

/** The load-time skew check that stands in for UniFFI's checksums on Kotlin (ADR 0004). */
class VersionSkewTest {
    @Test
    fun `the library built with these bindings passes`() {
        assertTrue(Regex("[0-9a-f]{64}").matches(EXPECTED_FFI_FINGERPRINT), EXPECTED_FFI_FINGERPRINT)
        assertEquals(EXPECTED_FFI_FINGERPRINT, ffiBuildFingerprint())
        assertDoesNotThrow { CairnLibrary.requireMatchingBuild() }
        assertDoesNotThrow { CairnHttp.installDefault() }
    }

    @Test
    fun `a library from another build is refused with both fingerprints named`() {
        val other = "0123456789ab" + "0".repeat(52)
        assertNotEquals(other, ffiBuildFingerprint())
        val error = assertThrows<IllegalStateException> { CairnLibrary.requireMatchingBuild(other) }
        assertEquals(
            "libcairn_ffi was built from another Cairn build: library ${ffiBuildFingerprint().take(12)}, " +
                "bindings 0123456789ab; ship the .so and the Kotlin from the same `cargo xtask android` run",
            error.message,
        )
    }
}
