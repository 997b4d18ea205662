//! Access tokens supplied by the host, and the single-flight refresh the REST adapters share.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Mutex;
use zeroize::Zeroizing;

use crate::error::TokenError;

/// A bearer access token. Printing it shows `[redacted]`; the value leaves only through
/// [`AccessToken::expose_secret`], and its memory is wiped on drop.
#[derive(Clone)]
pub struct AccessToken(Zeroizing<String>);

impl AccessToken {
    /// Wraps a token string received from a sign-in SDK or token endpoint.
    pub fn new(token: String) -> Self {
        AccessToken(Zeroizing::new(token))
    }

    /// The token text, for an `Authorization` header. Keep the borrow short.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// Supplies access tokens for one signed-in account. Implemented by the host app (native
/// sign-in SDKs on phones) or by [`crate::google_oauth::DesktopTokenProvider`] on desktop.
///
/// Calls are never concurrent from one adapter: the adapter serialises them so a burst of
/// rejected requests produces one refresh.
#[async_trait]
pub trait TokenProvider: Send + Sync {
    /// The current access token (may be cached by the host).
    async fn access_token(&self) -> Result<AccessToken, TokenError>;
    /// A fresh access token, because the provider rejected `rejected` (HTTP 401). The host
    /// must not hand back the same token: obtain a new one (refresh grant, `silentSignIn`).
    async fn refresh_access_token(&self, rejected: AccessToken) -> Result<AccessToken, TokenError>;
}

#[derive(Default)]
struct TokenSlot {
    token: Option<AccessToken>,
    /// Bumped on every refresh, so a request can tell whether the token it was rejected with
    /// is still the current one or was already replaced by a concurrent refresh.
    generation: u64,
    /// Outcome of the latest refresh when it failed, so requests waiting on that refresh get
    /// its answer instead of asking the host again.
    refresh_failure: Option<TokenError>,
}

/// Caches the host's token and makes refreshes single-flight: requests rejected with the same
/// token generation share one `refresh_access_token` call.
pub(crate) struct AuthSession {
    provider: Arc<dyn TokenProvider>,
    slot: Mutex<TokenSlot>,
}

/// A token handed to one request, tagged with the generation it belongs to.
pub(crate) struct IssuedToken {
    pub(crate) token: AccessToken,
    pub(crate) generation: u64,
}

impl AuthSession {
    pub(crate) fn new(provider: Arc<dyn TokenProvider>) -> Self {
        AuthSession { provider, slot: Mutex::new(TokenSlot::default()) }
    }

    pub(crate) async fn current(&self) -> Result<IssuedToken, TokenError> {
        let mut slot = self.slot.lock().await;
        if let Some(token) = &slot.token {
            return Ok(IssuedToken { token: token.clone(), generation: slot.generation });
        }
        let token = self.provider.access_token().await?;
        slot.refresh_failure = None;
        slot.token = Some(token.clone());
        Ok(IssuedToken { token, generation: slot.generation })
    }

    /// Replaces the token that was rejected. If another request already refreshed past
    /// `rejected.generation`, its result is reused instead of refreshing again.
    pub(crate) async fn refresh(&self, rejected: IssuedToken) -> Result<IssuedToken, TokenError> {
        let mut slot = self.slot.lock().await;
        if slot.generation != rejected.generation {
            if let Some(token) = &slot.token {
                return Ok(IssuedToken { token: token.clone(), generation: slot.generation });
            }
            if let Some(failure) = slot.refresh_failure {
                return Err(failure);
            }
        }
        slot.token = None;
        slot.generation += 1;
        match self.provider.refresh_access_token(rejected.token).await {
            Ok(fresh) => {
                slot.refresh_failure = None;
                slot.token = Some(fresh.clone());
                Ok(IssuedToken { token: fresh, generation: slot.generation })
            }
            Err(failure) => {
                slot.refresh_failure = Some(failure);
                Err(failure)
            }
        }
    }
}

impl fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSession").finish_non_exhaustive()
    }
}

/// A provider that always returns one fixed token and cannot refresh: for tools and tests
/// that were handed a token out of band.
#[derive(Debug, Clone)]
pub struct StaticTokenProvider {
    token: AccessToken,
}

impl StaticTokenProvider {
    /// Serves `token` until it is rejected; then the user must sign in again.
    pub fn new(token: AccessToken) -> Self {
        StaticTokenProvider { token }
    }
}

#[async_trait]
impl TokenProvider for StaticTokenProvider {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        Ok(self.token.clone())
    }

    async fn refresh_access_token(&self, _rejected: AccessToken) -> Result<AccessToken, TokenError> {
        Err(TokenError::ReSignInRequired)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counting {
        fetches: AtomicUsize,
        refreshes: AtomicUsize,
    }

    #[async_trait]
    impl TokenProvider for Counting {
        async fn access_token(&self) -> Result<AccessToken, TokenError> {
            let n = self.fetches.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken::new(format!("fetched-{n}")))
        }
        async fn refresh_access_token(&self, rejected: AccessToken) -> Result<AccessToken, TokenError> {
            let n = self.refreshes.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(AccessToken::new(format!("refreshed-{n}-after-{}", rejected.expose_secret())))
        }
    }

    #[test]
    fn debug_is_redacted() {
        let token = AccessToken::new("ya29.very-secret".into());
        let shown = format!("{token:?} {:?}", StaticTokenProvider::new(token.clone()));
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(token.expose_secret(), "ya29.very-secret");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_rejections_share_one_refresh() {
        let provider = Arc::new(Counting { fetches: AtomicUsize::new(0), refreshes: AtomicUsize::new(0) });
        let session = Arc::new(AuthSession::new(provider.clone()));
        let mut issued = Vec::new();
        for _ in 0..10 {
            issued.push(session.current().await.unwrap());
        }
        let tasks: Vec<_> = issued
            .into_iter()
            .map(|rejected| {
                let session = session.clone();
                tokio::spawn(async move { session.refresh(rejected).await.unwrap() })
            })
            .collect();
        let mut tokens = Vec::new();
        for task in tasks {
            tokens.push(task.await.unwrap().token.expose_secret().to_owned());
        }
        assert_eq!(provider.fetches.load(Ordering::SeqCst), 1);
        assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1);
        assert!(tokens.iter().all(|t| t == "refreshed-0-after-fetched-0"), "{tokens:?}");
        // A rejection of the refreshed token is a new burst: one more refresh.
        let current = session.current().await.unwrap();
        assert_eq!(current.generation, 1);
        session.refresh(current).await.unwrap();
        assert_eq!(provider.refreshes.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn static_provider_cannot_refresh() {
        let provider = StaticTokenProvider::new(AccessToken::new("t".into()));
        assert_eq!(provider.access_token().await.unwrap().expose_secret(), "t");
        assert_eq!(
            provider.refresh_access_token(AccessToken::new("t".into())).await.unwrap_err(),
            TokenError::ReSignInRequired
        );
    }
}
