//! `AbortSignal` support: an aborted signal sets a `cairn_core::CancelFlag`, which drops the
//! running call's future (its downloads stop, the handle is released) and the Promise rejects
//! with an `AbortError` whose `kind` is `cancelled`. A signal already aborted before the call
//! does not fire again: check `signal.aborted` first.

#[cfg(feature = "node")]
use napi::{
    Env, Error as NapiError, JsValue, Result, Status,
    bindgen_prelude::{AbortSignal, JsObjectValue},
};
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_ohos::{
    Env, Error as NapiError, JsValue, Result, Status,
    bindgen_prelude::{AbortSignal, JsObjectValue},
};

use std::sync::Arc;

use cairn_core::CancelFlag;

/// The flag `signal` (if any) sets when it aborts.
pub(crate) fn flag_for(signal: Option<AbortSignal>) -> Arc<CancelFlag> {
    let flag = Arc::new(CancelFlag::new());
    if let Some(signal) = signal {
        let on_abort = Arc::clone(&flag);
        signal.on_abort(move || on_abort.cancel());
    }
    flag
}

/// The rejection of an aborted call, shaped like a `CairnError` (`kind`/`code` `cancelled`).
pub(crate) fn abort_error(env: &Env) -> NapiError {
    let build = || -> Result<NapiError> {
        let mut object =
            env.create_error(NapiError::new(Status::Cancelled, "the operation was cancelled"))?;
        object.set_named_property("name", "AbortError")?;
        object.set_named_property("kind", "cancelled")?;
        object.set_named_property("code", "cancelled")?;
        object.set_named_property("hint", "start it again when ready")?;
        Ok(NapiError::from(object.to_unknown()))
    };
    build().unwrap_or_else(|failure| failure)
}
