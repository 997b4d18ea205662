// The Compose sample shell. Two flavours of one dimension:
// - `emulator`: every provider points at `cairn emulator serve` on the host (10.0.2.2 from the
//   Android emulator) and a dev menu picks the emulator account; no Google or Huawei setup.
// - `production`: Google Drive through Google Identity's AuthorizationClient, Huawei Drive
//   through HMS Account Kit (needs the app registered with Google Cloud and AppGallery Connect).
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "org.cairn.sample"
    compileSdk = 36

    defaultConfig {
        applicationId = "org.cairn.sample"
        minSdk = 24
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
    }

    flavorDimensions += "backend"
    productFlavors {
        create("emulator") {
            dimension = "backend"
            applicationIdSuffix = ".emulator"
            versionNameSuffix = "-emulator"
            val port = providers.gradleProperty("cairn.emulatorPort").get().toInt()
            buildConfigField("int", "EMULATOR_PORT", port.toString())
        }
        create("production") {
            dimension = "backend"
        }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
        }
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

// The Cairn library: by default the `:cairn` module (Gradle packages the Rust outputs itself);
// with -Pcairn.aar=<path>, the prebuilt AAR exactly as an app team consumes it, e.g.
// `-Pcairn.aar=../target/android/cairn-0.1.0.aar` after `cargo xtask android --artifact`
// (path relative to android/). A file dependency carries no POM, so the AAR's own
// dependencies are declared here, as an app team would.
val cairnAar: String? = providers.gradleProperty("cairn.aar").orNull

dependencies {
    if (cairnAar != null) {
        implementation(files(rootProject.file(cairnAar)))
        implementation("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
        implementation(libs.kotlinx.coroutines.android)
        implementation(libs.okhttp)
    } else {
        implementation(project(":cairn"))
    }

    implementation(platform(libs.compose.bom))
    implementation(libs.compose.material3)
    implementation(libs.compose.ui)
    implementation(libs.compose.ui.tooling.preview)
    implementation(libs.activity.compose)
    implementation(libs.lifecycle.runtime.compose)
    implementation(libs.lifecycle.viewmodel.compose)
    implementation(libs.kotlinx.coroutines.play.services)

    // Sign-in SDKs: only the production flavour uses them, but the availability probes (which
    // feed cairn-app's provider choice) run in both, so they are on the common classpath.
    implementation(libs.play.services.auth)
    implementation(libs.hms.account)
    implementation(libs.hms.base)
}
