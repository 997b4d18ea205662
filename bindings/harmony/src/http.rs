//! The app's HTTP client, installed once with `setHttpClient(send)`: the module ships no HTTP or
//! TLS stack of its own (ADR 0007), exactly like the UniFFI library. On HarmonyOS the ArkTS
//! client over Remote Communication Kit sends the requests (the system's trust store, proxies
//! and VPNs); in Node, the client over `fetch` in `js/node-http.ts`. Plumbing only: response
//! bounds (re-checked here), status handling, retries and token refresh stay in `cairn-cloud`.
//!
//! Calls cross into JS through a weak thread-safe function; the Promise `send` returns is
//! settled on the JS thread, where the response (or the rejection's `kind`) is read and sent
//! back to the Rust future. Header values and bodies never reach `Debug` or a log.

#[cfg(feature = "node")]
use napi::{
    Env, Error as NapiError, JsValue, Result, Status, ValueType,
    bindgen_prelude::{
        CallbackContext, FromNapiValue, Function, JsObjectValue, Object, PromiseRaw, Uint8Array, Unknown,
    },
    sys,
    threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode},
};
#[cfg(feature = "node")]
use napi_derive::napi;
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_derive_ohos::napi;
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_ohos::{
    Env, Error as NapiError, JsValue, Result, Status, ValueType,
    bindgen_prelude::{
        CallbackContext, FromNapiValue, Function, JsObjectValue, Object, PromiseRaw, Uint8Array, Unknown,
    },
    sys,
    threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode},
};

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cairn_cloud::{HttpTransport, TransportError};
use tokio::sync::oneshot;

/// One header (names as sent; compare case-insensitively).
#[napi(object)]
#[derive(Clone, PartialEq, Eq)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

impl fmt::Debug for HttpHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpHeader").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A request for the host to send: `Authorization` is among the headers, so it is never
/// printed (its `Debug` shows the method and the body length only).
#[napi(object, object_from_js = false)]
pub struct HttpRequest {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    pub method: String,
    /// Absolute `https` URL (`http` only for a local emulator).
    pub url: String,
    pub headers: Vec<HttpHeader>,
    /// The body; empty for none.
    pub body: Uint8Array,
    /// Time allowed for the whole exchange, response body included.
    pub timeout_ms: f64,
    /// Stop reading and reject with kind `body_too_large` past this many body bytes.
    pub max_response_bytes: f64,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// The host's answer: any status, redirects already followed.
#[napi(object, object_to_js = false)]
pub struct HttpResponse {
    pub status: u32,
    pub headers: Vec<HttpHeader>,
    pub body: Uint8Array,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

type Outcome = std::result::Result<cairn_cloud::HttpResponse, TransportError>;

/// What `send` returned, read on the JS thread: a receiver that the Promise's settlement fills.
pub struct HostReply(oneshot::Receiver<Outcome>);

impl fmt::Debug for HostReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostReply").finish_non_exhaustive()
    }
}

type Slot = Rc<Cell<Option<oneshot::Sender<Outcome>>>>;

fn deliver(slot: &Slot, outcome: Outcome) {
    if let Some(sender) = slot.take() {
        // The Rust side may have given up (its own timeout); nothing to do then.
        let _ = sender.send(outcome);
    }
}

impl FromNapiValue for HostReply {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let (sender, receiver) = oneshot::channel();
        let slot: Slot = Rc::new(Cell::new(Some(sender)));
        let (on_value, on_error) = (Rc::clone(&slot), Rc::clone(&slot));
        // SAFETY: called by the thread-safe function on the JS thread with the live value `send`
        // returned; `then` fails cleanly (no `then` function) when it is not a thenable.
        let promise = unsafe { PromiseRaw::<Unknown<'static>>::from_napi_value(env, value) }?;
        let chained = promise
            .then(move |context: CallbackContext<Unknown<'static>>| {
                deliver(&on_value, read_response(&context.env, context.value));
                Ok(())
            })
            .and_then(|then| {
                then.catch(move |context: CallbackContext<Unknown<'static>>| {
                    deliver(&on_error, Err(rejection_kind(&context.value)));
                    Ok(())
                })
            });
        if chained.is_err() {
            // Not a Promise: a client bug, reported like an undeclared exception.
            deliver(&slot, Err(TransportError::Interrupted));
        }
        Ok(HostReply(receiver))
    }
}

/// The resolved value as a response; a malformed one is a failed exchange.
fn read_response(env: &Env, value: Unknown<'_>) -> Outcome {
    // SAFETY: `value` is a live value of `env`, handed to the `then` callback on the JS thread.
    let response = unsafe { HttpResponse::from_napi_value(env.raw(), value.raw()) }
        .map_err(|_| TransportError::Interrupted)?;
    Ok(cairn_cloud::HttpResponse {
        // Outside u16 becomes 0, which cairn-cloud refuses as an invalid status.
        status: u16::try_from(response.status).unwrap_or(0),
        headers: response.headers.into_iter().map(|header| (header.name, header.value)).collect(),
        body: response.body.to_vec(),
    })
}

/// The rejection's `kind` (`timeout`, `connect`, `offline`, `interrupted`, `body_too_large`,
/// `invalid_request`); anything else, like an undeclared exception in UniFFI, is `interrupted`.
fn rejection_kind(reason: &Unknown<'_>) -> TransportError {
    let kind = || -> Result<Option<String>> {
        if reason.get_type()? != ValueType::Object {
            return Ok(None);
        }
        // SAFETY: an object of the current env, read on the JS thread in the `catch` callback.
        let object = unsafe { Object::from_napi_value(reason.value().env, reason.raw()) }?;
        if object.get_named_property::<Unknown<'_>>("kind")?.get_type()? != ValueType::String {
            return Ok(None);
        }
        object.get_named_property::<Option<String>>("kind")
    };
    transport_error(kind().ok().flatten().as_deref())
}

/// The typed transport error for a rejection kind.
pub(crate) fn transport_error(kind: Option<&str>) -> TransportError {
    match kind {
        Some("timeout") => TransportError::Timeout,
        Some("connect") => TransportError::Connect,
        Some("offline") => TransportError::Offline,
        Some("body_too_large") => TransportError::BodyTooLarge,
        Some("invalid_request") => TransportError::InvalidRequest,
        _ => TransportError::Interrupted,
    }
}

/// The host's `send`: weak, so an installed client does not keep the event loop running.
type SendCallback = ThreadsafeFunction<HttpRequest, HostReply, HttpRequest, Status, false, true>;

/// A JS `send` function as `cairn-cloud` wants it.
struct HostTransport(SendCallback);

/// Extra time the JS client gets past the request's own timeout before Rust stops waiting for a
/// Promise that never settles.
const SETTLE_GRACE: Duration = Duration::from_secs(5);

#[async_trait]
impl HttpTransport for HostTransport {
    async fn send(
        &self,
        request: cairn_cloud::HttpRequest,
    ) -> std::result::Result<cairn_cloud::HttpResponse, TransportError> {
        let limit = request.max_response_bytes;
        let deadline = request.timeout + SETTLE_GRACE;
        let js_request = HttpRequest {
            method: request.method.as_str().to_owned(),
            url: request.url.as_str().to_owned(),
            headers: request.headers.into_iter().map(|(name, value)| HttpHeader { name, value }).collect(),
            body: Uint8Array::new(request.body),
            timeout_ms: request.timeout.as_millis() as f64,
            // Bounds are at most a few MiB: a JS number holds them exactly.
            max_response_bytes: limit as f64,
        };
        let (sender, receiver) = oneshot::channel::<Option<HostReply>>();
        let status = self.0.call_with_return_value(
            js_request,
            ThreadsafeFunctionCallMode::NonBlocking,
            move |reply: Result<HostReply>, _env| {
                // A `send` that throws synchronously is a failed exchange, not a crash.
                let _ = sender.send(reply.ok());
                Ok(())
            },
        );
        if status != Status::Ok {
            return Err(TransportError::Interrupted);
        }
        let settled = async {
            let reply = receiver.await.ok().flatten().ok_or(TransportError::Interrupted)?;
            reply.0.await.map_err(|_| TransportError::Interrupted)?
        };
        let response =
            tokio::time::timeout(deadline, settled).await.map_err(|_| TransportError::Timeout)??;
        // Checked here too: the host's client may not have enforced it.
        if response.body.len() as u64 > limit {
            return Err(TransportError::BodyTooLarge);
        }
        Ok(response)
    }
}

/// Installs the app's HTTP client for every service built afterwards (call once at app start; a
/// later call replaces it for services built after that). `send` gets an `HttpRequest` and
/// returns a Promise of `{ status, headers, body }`, or rejects with an `Error` whose `kind` is
/// `timeout`, `connect`, `offline`, `interrupted`, `body_too_large` or `invalid_request`.
#[napi(ts_args_type = "send: (request: HttpRequest) => Promise<HttpResponse>")]
pub fn set_http_client(send: Function<'_, HttpRequest, HostReply>) -> Result<()> {
    let callback = send.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
    cairn_cloud::install_http_transport(Arc::new(HostTransport(callback)));
    Ok(())
}

/// What the developer reads when no client is installed (the UniFFI library's wording, with
/// this module's calls).
pub(crate) const NO_CLIENT_MESSAGE: &str = "No HTTP client is installed.";
pub(crate) const NO_CLIENT_HINT: &str = "install an HTTP client once at app start: setHttpClient(send) \
     (ArkTS: CairnHttp.install() from the cairn HAR; Node: installNodeHttpClient(cairn) from js/node-http)";

/// The installed client, or the typed `provider_unavailable` error telling the developer to
/// install one (a CairnError-shaped JS error).
pub(crate) fn require_client(env: &Env) -> Result<Arc<dyn HttpTransport>> {
    cairn_cloud::installed_http_transport().ok_or_else(|| no_client_error(env))
}

pub(crate) fn no_client_error(env: &Env) -> NapiError {
    let build = || -> Result<NapiError> {
        let mut object = env.create_error(NapiError::new(Status::GenericFailure, NO_CLIENT_MESSAGE))?;
        object.set_named_property("name", "CairnError")?;
        object.set_named_property("kind", "provider_unavailable")?;
        object.set_named_property("code", "provider_unavailable")?;
        object.set_named_property("hint", NO_CLIENT_HINT)?;
        Ok(NapiError::from(object.to_unknown()))
    };
    build().unwrap_or_else(|failure| failure)
}
