//! `AbortSignal` support: an aborted signal sets a `cairn_core::CancelFlag`, which drops the
//! running call's future (its downloads stop, the handle is released) and the Promise rejects
//! with an `AbortError` whose `kind` is `cancelled`. A signal that is already aborted when the
//! call starts rejects it the same way, without starting any work.

#[cfg(feature = "node")]
use napi::{
    Env, Error as NapiError, JsValue, Result, Status,
    bindgen_prelude::{AbortSignal, FromNapiValue, JsObjectValue, Object},
};
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_ohos::{
    Env, Error as NapiError, JsValue, Result, Status,
    bindgen_prelude::{AbortSignal, FromNapiValue, JsObjectValue, Object},
};

use std::sync::Arc;

use cairn_core::CancelFlag;

/// The flag `signal` (if any) sets when it aborts; already set if the signal was aborted before
/// the call (napi's `AbortSignal` only reports later aborts, so `aborted` is read first).
pub(crate) fn flag_for(env: &Env, signal: Option<Object<'_>>) -> Result<Arc<CancelFlag>> {
    let flag = Arc::new(CancelFlag::new());
    let Some(signal) = signal else { return Ok(flag) };
    if signal.get_named_property::<Option<bool>>("aborted")?.unwrap_or(false) {
        flag.cancel();
        return Ok(flag);
    }
    // SAFETY: `signal` is a live value of this `env`, passed into the current call; this is the
    // conversion `#[napi]` itself runs for an `AbortSignal` parameter.
    let signal = unsafe { AbortSignal::from_napi_value(env.raw(), signal.raw()) }?;
    let on_abort = Arc::clone(&flag);
    signal.on_abort(move || on_abort.cancel());
    Ok(flag)
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
