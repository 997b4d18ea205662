//! Link settings for the N-API module: napi-rs's for Node, napi-ohos's for HarmonyOS.

fn main() {
    #[cfg(feature = "node")]
    napi_build::setup();
    #[cfg(all(feature = "ohos", not(feature = "node")))]
    napi_build_ohos::setup();
}
