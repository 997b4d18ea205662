// The Cairn Android library (AAR): the Kotlin that `cargo xtask bindings` generates from
// cairn-ffi, the hand-written layer of bindings/kotlin, JNA, and libcairn_ffi.so for each ABI
// (built by `cargo xtask android` with cargo-ndk). Nothing is written here by hand: this module
// only packages what the Rust build produced, so the .so files and the Kotlin always come from
// the same build (ADR 0004: Kotlin checksums are off, skew is prevented by construction).
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

val jniLibsDir = rootProject.file(providers.gradleProperty("cairn.jniLibsDir").get())
val generatedKotlinDir = rootProject.file(providers.gradleProperty("cairn.generatedKotlinDir").get())

android {
    namespace = "org.cairn.core"
    compileSdk = 36
    // Must match NDK_VERSION in xtask/src/mobile/mod.rs.
    ndkVersion = "27.2.12479018"

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets["main"].apply {
        kotlin.srcDirs(generatedKotlinDir, rootProject.file("../bindings/kotlin/src/main/kotlin"))
        jniLibs.srcDirs(jniLibsDir)
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

// Fail early with the fix instead of an AAR without native code.
val checkRustOutputs by tasks.registering {
    doLast {
        val missing = listOf("arm64-v8a", "armeabi-v7a", "x86_64", "x86")
            .map { jniLibsDir.resolve("$it/libcairn_ffi.so") }
            .filterNot { it.isFile }
        if (missing.isNotEmpty() || !generatedKotlinDir.resolve("org/cairn/core/cairn_ffi.kt").isFile) {
            throw GradleException(
                "Rust outputs missing (${missing.joinToString()}); run `cargo xtask android` from the workspace root",
            )
        }
    }
}
tasks.named("preBuild") { dependsOn(checkRustOutputs) }

dependencies {
    // The generated bindings load libcairn_ffi.so through JNA; the AAR flavour carries
    // libjnidispatch.so for every Android ABI.
    api("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    api(libs.kotlinx.coroutines.android)
    api(libs.okhttp)
}
