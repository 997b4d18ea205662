// Cairn's Android sample: `:cairn` wraps the Kotlin bindings and the native libraries as an AAR,
// `:app` is the Compose shell. Built by `cargo xtask android` (the AAR) or Gradle directly after
// it has produced the native libraries and the generated Kotlin (see README.md).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // HMS Core SDKs (Account Kit, availability check) are published only here.
        maven("https://developer.huawei.com/repo/")
    }
}

rootProject.name = "cairn-android"
include(":cairn", ":app")
