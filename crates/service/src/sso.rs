//! Single sign-on with OpenID Connect: the authorization code flow with PKCE against one
//! provider, configured by its issuer URL, client id and secret (docs/sso.md).
//!
//! The provider's metadata and keys are discovered from the issuer on first use (and the keys
//! fetched again when a token names a key not seen yet). What a sign-in in progress must remember
//! (state, nonce, PKCE verifier) travels with the browser in a signed cookie (see the HTTP
//! layer), so any instance can finish a sign-in another began.

use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// The provider and this server's registration with it.
#[derive(Debug, Clone)]
pub struct SsoSettings {
    /// The issuer URL (`https://login.example.com/realms/acme`); its
    /// `/.well-known/openid-configuration` describes the rest.
    pub issuer: String,
    pub client_id: String,
    /// Absent for public clients (PKCE alone).
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: this server's `/api/auth/oidc/callback`.
    pub redirect_url: String,
    /// What the sign-in button says ("Sign in with …").
    pub display_name: String,
    /// How long to wait for the provider on each request.
    pub timeout: Duration,
}

/// Why a sign-in could not be finished.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The provider could not be reached or answered nonsense.
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider's answer does not prove who signed in (bad signature, wrong audience,
    /// replayed state, …).
    #[error("the sign-in could not be verified: {0}")]
    Rejected(String),
}

/// What a sign-in in progress must remember until the provider sends the browser back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
}

struct Discovered {
    metadata: Metadata,
    keys: JwkSet,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    nonce: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UserInfo {
    sub: String,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
}

/// The OpenID Connect client.
pub struct Sso {
    settings: SsoSettings,
    http: reqwest::Client,
    discovered: Mutex<Option<Arc<Discovered>>>,
}

/// Signature algorithms an ID token may use: asymmetric ones only (an `HS256` token would be
/// signed with the client secret, which this server also holds: not proof of the provider).
const ID_TOKEN_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

fn random_text() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE challenge of a verifier (`S256`).
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Sso {
    pub fn new(settings: SsoSettings) -> Result<Self, SsoError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SsoError::Unavailable(e.to_string()))?;
        Ok(Self { settings, http, discovered: Mutex::new(None) })
    }

    pub fn display_name(&self) -> &str {
        &self.settings.display_name
    }

    pub fn redirect_url(&self) -> &str {
        &self.settings.redirect_url
    }

    /// Starts a sign-in: where to send the browser, and what to remember until it comes back.
    pub async fn begin(&self) -> Result<(String, PendingSignIn), SsoError> {
        let discovered = self.discovered(false).await?;
        let pending = PendingSignIn { state: random_text(), nonce: random_text(), verifier: random_text() };
        let mut url = reqwest::Url::parse(&discovered.metadata.authorization_endpoint)
            .map_err(|e| SsoError::Unavailable(format!("authorization endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &self.settings.redirect_url)
            .append_pair("scope", "openid email profile")
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &pkce_challenge(&pending.verifier))
            .append_pair("code_challenge_method", "S256");
        Ok((url.into(), pending))
    }

    /// Finishes a sign-in the provider sent back with `code` and `state`: exchanges the code,
    /// verifies the ID token (signature, issuer, audience, expiry, nonce) and reads the user's
    /// email (from the ID token, else from the userinfo endpoint).
    pub async fn finish(
        &self,
        pending: &PendingSignIn,
        state: &str,
        code: &str,
    ) -> Result<ExternalIdentity, SsoError> {
        if state != pending.state {
            return Err(SsoError::Rejected("the state does not match this browser's sign-in".into()));
        }
        let discovered = self.discovered(false).await?;
        let tokens = self.exchange(&discovered.metadata, pending, code).await?;
        let id_token = tokens.id_token.ok_or_else(|| SsoError::Rejected("no ID token".into()))?;
        let claims = self.verify_id_token(&id_token).await?;
        if claims.nonce.as_deref() != Some(pending.nonce.as_str()) {
            return Err(SsoError::Rejected("the ID token's nonce does not match".into()));
        }
        let mut identity = ExternalIdentity {
            subject: claims.sub,
            email: claims.email.unwrap_or_default(),
            email_verified: claims.email_verified.unwrap_or(false),
            name: claims.name,
        };
        if identity.email.is_empty() {
            let (Some(endpoint), Some(access)) =
                (&discovered.metadata.userinfo_endpoint, &tokens.access_token)
            else {
                return Err(SsoError::Rejected("the provider gave no email address".into()));
            };
            let info: UserInfo = self.get_json(self.http.get(endpoint).bearer_auth(access)).await?;
            if info.sub != identity.subject {
                return Err(SsoError::Rejected("userinfo is about another subject".into()));
            }
            identity.email = info.email.unwrap_or_default();
            identity.email_verified = info.email_verified.unwrap_or(false);
            identity.name = identity.name.or(info.name);
        }
        if identity.email.is_empty() {
            return Err(SsoError::Rejected("the provider gave no email address".into()));
        }
        Ok(identity)
    }

    async fn exchange(
        &self,
        metadata: &Metadata,
        pending: &PendingSignIn,
        code: &str,
    ) -> Result<TokenResponse, SsoError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.settings.redirect_url.as_str()),
            ("code_verifier", pending.verifier.as_str()),
            ("client_id", self.settings.client_id.as_str()),
        ];
        let mut request = self.http.post(&metadata.token_endpoint).form(&form);
        if let Some(secret) = &self.settings.client_secret {
            request = request.basic_auth(&self.settings.client_id, Some(secret));
        }
        let response =
            request.send().await.map_err(|e| SsoError::Unavailable(format!("token endpoint: {e}")))?;
        let status = response.status();
        let body =
            response.text().await.map_err(|e| SsoError::Unavailable(format!("token endpoint: {e}")))?;
        if !status.is_success() {
            // 4xx: the code was refused (used twice, expired, wrong verifier): not the user's way in.
            let what =
                format!("token endpoint answered {status}: {}", body.chars().take(200).collect::<String>());
            return Err(if status.is_client_error() {
                SsoError::Rejected(what)
            } else {
                SsoError::Unavailable(what)
            });
        }
        serde_json::from_str(&body).map_err(|e| SsoError::Unavailable(format!("token endpoint: {e}")))
    }

    async fn verify_id_token(&self, token: &str) -> Result<IdClaims, SsoError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| SsoError::Rejected(format!("ID token: {e}")))?;
        if !ID_TOKEN_ALGORITHMS.contains(&header.alg) {
            return Err(SsoError::Rejected(format!("ID token signed with {:?}", header.alg)));
        }
        let mut discovered = self.discovered(false).await?;
        let find = |d: &Discovered| match &header.kid {
            Some(kid) => d.keys.find(kid).cloned(),
            None => d.keys.keys.first().cloned(),
        };
        let jwk = match find(&discovered) {
            Some(jwk) => jwk,
            None => {
                // A key rotated in since discovery: fetch the keys again, once.
                discovered = self.discovered(true).await?;
                find(&discovered)
                    .ok_or_else(|| SsoError::Rejected("ID token signed with an unknown key".into()))?
            }
        };
        let key =
            DecodingKey::from_jwk(&jwk).map_err(|e| SsoError::Rejected(format!("provider key: {e}")))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&discovered.metadata.issuer]);
        validation.set_audience(&[&self.settings.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 60;
        jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| SsoError::Rejected(format!("ID token: {e}")))
    }

    /// The provider's metadata and keys, discovered once (again with `refresh`).
    async fn discovered(&self, refresh: bool) -> Result<Arc<Discovered>, SsoError> {
        let mut cached = self.discovered.lock().await;
        if let (Some(found), false) = (cached.as_ref(), refresh) {
            return Ok(found.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.settings.issuer.trim_end_matches('/'));
        let metadata: Metadata = self.get_json(self.http.get(&url)).await?;
        if metadata.issuer.trim_end_matches('/') != self.settings.issuer.trim_end_matches('/') {
            return Err(SsoError::Unavailable(format!(
                "the provider says its issuer is {}, not {}",
                metadata.issuer, self.settings.issuer
            )));
        }
        let keys: JwkSet = self.get_json(self.http.get(&metadata.jwks_uri)).await?;
        let found = Arc::new(Discovered { metadata, keys });
        *cached = Some(found.clone());
        Ok(found)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SsoError> {
        let response = request.send().await.map_err(|e| SsoError::Unavailable(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(SsoError::Unavailable(format!("{} answered {status}", response.url())));
        }
        response.json().await.map_err(|e| SsoError::Unavailable(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_the_unpadded_base64url_sha256() {
        // Expected value computed apart: Python's `base64.urlsafe_b64encode(hashlib.sha256(v))`.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mJ92K9ZCT2FPgZBvEvX8oerK-6u0WM"),
            "a5pew1OjKrYZKWI5Yw9Gy7vw-ldupG51x2TpDcHuo34"
        );
    }

    #[test]
    fn random_texts_differ_and_are_url_safe() {
        let (a, b) = (random_text(), random_text());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
