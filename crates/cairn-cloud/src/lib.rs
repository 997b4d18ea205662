#![doc = include_str!("../README.md")]

mod error;
mod http;
#[cfg(feature = "bundled-http")]
mod reqwest_transport;
mod rest_drive;
mod retry;
mod store;
mod time;
#[cfg(feature = "bundled-http")]
mod tls;
mod token;
mod transport;

pub mod cloudkit;
pub mod google_drive;
#[cfg(feature = "desktop-sign-in")]
pub mod google_oauth;
pub mod huawei_drive;
pub mod local_folder;
pub mod memory;

pub use error::{
    CloudError, CorruptionDetail, NetworkErrorKind, ObjectRuleViolation, ProviderUnavailableReason,
    TokenError,
};
pub use http::HttpSettings;
#[cfg(feature = "bundled-http")]
pub use reqwest_transport::ReqwestTransport;
pub use retry::{RetryPolicy, Sleeper, TokioSleeper};
pub use store::{
    AppProperties, CloudStore, MAX_APP_PROPERTIES, MAX_APP_PROPERTY_BYTES, MAX_LISTED_OBJECTS, MAX_NAME_LEN,
    MAX_OBJECT_BYTES, ObjectMeta, Quota, StoredObject, validate_app_properties, validate_name, validate_put,
};
#[cfg(feature = "bundled-http")]
pub use tls::http_client_builder;
pub use token::{AccessToken, StaticTokenProvider, TokenProvider};
pub use transport::{
    HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError, http_transport,
    install_http_transport, installed_http_transport,
};
