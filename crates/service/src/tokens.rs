//! Access tokens (JWT, HS256 pinned) and opaque refresh tokens.

use base64::Engine as _;
use chatbot_domain::{SessionId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;
use time::OffsetDateTime;

const ISSUER: &str = "chatbot-socket";
/// The issuer of sealed values ([`TokenIssuer::seal`]): never accepted as an access token, whose
/// issuer must be [`ISSUER`] (and which must name a user).
const SEALED_ISSUER: &str = "chatbot-socket/sealed";

/// The claims of an access token. `sub` is the user id (the Socket.IO handshake relies on it);
/// `sid` names the session family, so signing a device out revokes its access tokens too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: UserId,
    pub sid: SessionId,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is invalid")]
    Invalid,
}

/// Signs and verifies access tokens with one secret and one algorithm.
///
/// The algorithm is pinned to HS256 on verification: a token whose header says `none`, `HS512`
/// or an asymmetric algorithm is refused before its signature is even considered, which closes
/// the classic algorithm-confusion attacks.
#[derive(Clone)]
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: Duration,
}

/// Seconds an access token is still accepted after its `exp`: clocks of instances differ a little.
pub const LEEWAY_SECS: u64 = 5;

impl TokenIssuer {
    pub fn new(secret: &[u8], access_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }

    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// A signed access token for this user and device.
    pub fn issue(&self, user: UserId, session: SessionId, now: OffsetDateTime) -> Result<String, TokenError> {
        let iat = now.unix_timestamp();
        let ttl = i64::try_from(self.access_ttl.as_secs()).map_err(|_| TokenError::Invalid)?;
        let claims = AccessClaims { sub: user, sid: session, iat, exp: iat + ttl, iss: ISSUER.to_owned() };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)
    }

    /// `value` signed with the server's secret, valid for `ttl`: state a browser carries for the
    /// server (a single sign-on in progress) that it cannot forge or change.
    pub fn seal<T: Serialize>(&self, value: &T, ttl: Duration) -> Result<String, TokenError> {
        #[derive(Serialize)]
        struct Sealed<'a, T> {
            iss: &'static str,
            exp: i64,
            value: &'a T,
        }
        let ttl = i64::try_from(ttl.as_secs()).map_err(|_| TokenError::Invalid)?;
        let exp = OffsetDateTime::now_utc().unix_timestamp() + ttl;
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Sealed { iss: SEALED_ISSUER, exp, value },
            &self.encoding,
        )
        .map_err(|_| TokenError::Invalid)
    }

    /// The value [`TokenIssuer::seal`] signed, if the signature holds and it has not expired.
    pub fn open<T: serde::de::DeserializeOwned>(&self, sealed: &str) -> Result<T, TokenError> {
        #[derive(Deserialize)]
        struct Sealed<T> {
            value: T,
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[SEALED_ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        jsonwebtoken::decode::<Sealed<T>>(sealed, &self.decoding, &validation)
            .map(|data| data.claims.value)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

/// A new opaque refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("rt_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored for a refresh token: its SHA-256, hex. A leaked database does not yield
/// usable tokens, and lookups stay exact-match (no per-row slow hash needed at 256 bits).
pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(SECRET, Duration::from_secs(900))
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn round_trip() -> Result<(), TokenError> {
        let (user, session) = (UserId::new(), SessionId::new());
        let token = issuer().issue(user, session, OffsetDateTime::now_utc())?;
        let claims = issuer().verify(&token)?;
        assert_eq!((claims.sub, claims.sid), (user, session));
        assert_eq!(claims.exp - claims.iat, 900);
        Ok(())
    }

    #[test]
    fn expired_tokens_are_refused() -> Result<(), TokenError> {
        let an_hour_ago = OffsetDateTime::now_utc() - time::Duration::hours(1);
        let token = issuer().issue(UserId::new(), SessionId::new(), an_hour_ago)?;
        assert_eq!(issuer().verify(&token), Err(TokenError::Expired));
        Ok(())
    }

    #[test]
    fn tampered_and_foreign_tokens_are_refused() -> Result<(), TokenError> {
        let token = issuer().issue(UserId::new(), SessionId::new(), OffsetDateTime::now_utc())?;
        let other = TokenIssuer::new(b"another-secret-another-secret-xx", Duration::from_secs(900));
        assert_eq!(other.verify(&token), Err(TokenError::Invalid));
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = b64(br#"{"sub":"00000000-0000-7000-8000-000000000000","sid":"00000000-0000-7000-8000-000000000000","iat":1,"exp":99999999999,"iss":"chatbot-socket"}"#);
        assert_eq!(issuer().verify(&parts.join(".")), Err(TokenError::Invalid));
        assert_eq!(issuer().verify("garbage"), Err(TokenError::Invalid));
        Ok(())
    }

    #[test]
    fn algorithm_is_pinned() -> Result<(), TokenError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = AccessClaims {
            sub: UserId::new(),
            sid: SessionId::new(),
            iat: now,
            exp: now + 600,
            iss: ISSUER.to_owned(),
        };
        // alg "none" with an empty signature.
        let payload = b64(&serde_json::to_vec(&claims).map_err(|_| TokenError::Invalid)?);
        let none = format!("{}.{payload}.", b64(br#"{"alg":"none","typ":"JWT"}"#));
        assert_eq!(issuer().verify(&none), Err(TokenError::Invalid));
        // HS512 signed with the right secret is still refused.
        let hs512 =
            jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &EncodingKey::from_secret(SECRET))
                .map_err(|_| TokenError::Invalid)?;
        assert_eq!(issuer().verify(&hs512), Err(TokenError::Invalid));
        Ok(())
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert!(a.starts_with("rt_") && a.len() > 40);
        assert_eq!(hash_refresh_token(&a).len(), 64);
        assert_eq!(hash_refresh_token(&a), hash_refresh_token(&a));
    }
}
