//! Single sign-on (docs/sso.md): `/api/auth/providers` tells the sign-in page which ways in
//! exist; `/api/auth/oidc/start` sends the browser to the identity provider, and
//! `/api/auth/oidc/callback` takes it back, signs the person in and hands the tokens to the web
//! app in the URL fragment of `/auth/sso` (never sent to a server, not kept in logs).

use crate::error::{ApiError, ApiResult};
use crate::extract::Client;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chatbot_service::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The cookie that carries a sign-in in progress (signed; path-limited to the callback).
const COOKIE: &str = "chatbot_sso";
const COOKIE_PATH: &str = "/api/auth/oidc";

#[derive(Debug, Serialize, ToSchema)]
pub struct SsoProvider {
    /// The provider's name for the button.
    pub name: String,
    /// Where the button goes.
    #[serde(rename = "startUrl")]
    pub start_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthProviders {
    /// Whether email and password sign-in (and sign-up) are on.
    pub password: bool,
    pub sso: Option<SsoProvider>,
}

/// The ways to sign in here.
#[utoipa::path(get, path = "/api/auth/providers", tag = "auth", responses((status = 200, body = AuthProviders)))]
pub async fn providers(State(state): State<AppState>) -> Json<AuthProviders> {
    Json(AuthProviders {
        password: state.accounts.password_login(),
        sso: state.sso.as_ref().map(|sso| SsoProvider {
            name: sso.display_name().to_owned(),
            start_url: format!("{COOKIE_PATH}/start"),
        }),
    })
}

fn sso(state: &AppState) -> ApiResult<&chatbot_service::Sso> {
    state.sso.as_deref().ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "single sign-on is not configured here")
    })
}

fn redirect(to: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `Secure` when this server is reached over HTTPS (its callback URL says so).
fn cookie(value: &str, max_age: u32, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

/// Sends the browser to the identity provider.
#[utoipa::path(get, path = "/api/auth/oidc/start", tag = "auth",
    responses((status = 302, description = "to the identity provider"), (status = 404, description = "not configured"),
        (status = 503, description = "the provider cannot be reached")))]
pub async fn start(State(state): State<AppState>) -> ApiResult<Response> {
    let sso = sso(&state)?;
    let (url, pending) = sso.begin().await.map_err(sso_error)?;
    let sealed = state.accounts.seal_pending(&pending)?;
    let mut response = redirect(&url);
    if let Some(value) = cookie(&sealed, 600, sso.redirect_url().starts_with("https:")) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Where the provider sends the browser back: signs in and hands the tokens to the web app, or
/// sends it to the sign-in page with the reason (`/login?ssoError=<code>`).
#[utoipa::path(get, path = "/api/auth/oidc/callback", tag = "auth",
    responses((status = 302, description = "to the web app, signed in (`/auth/sso#accessToken=…`) or with the reason it failed (`/login?ssoError=…`)")))]
pub async fn callback(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    let secure = state.sso.as_ref().is_some_and(|s| s.redirect_url().starts_with("https:"));
    let mut response = match finish(&state, &client, &headers, params).await {
        Ok(outcome) => redirect(&format!(
            "/auth/sso#accessToken={}&refreshToken={}&expiresIn={}",
            outcome.access_token, outcome.refresh_token, outcome.expires_in
        )),
        Err(code) => redirect(&format!("/login?ssoError={code}")),
    };
    // The sign-in is over either way: the state must not be used twice.
    if let Some(value) = cookie("", 0, secure) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Why a sign-in failed, as the sign-in page names it.
async fn finish(
    state: &AppState,
    client: &chatbot_service::ClientContext,
    headers: &HeaderMap,
    params: CallbackParams,
) -> Result<chatbot_service::AuthOutcome, &'static str> {
    let sso = state.sso.as_deref().ok_or("not_configured")?;
    if let Some(error) = params.error {
        tracing::info!(error, "the identity provider refused the sign-in");
        return Err("refused");
    }
    let (Some(code), Some(returned_state)) = (params.code, params.state) else { return Err("bad_request") };
    let sealed = cookie_value(headers).ok_or("expired")?;
    let pending = state.accounts.open_pending(&sealed).map_err(|_| "expired")?;
    let identity = sso.finish(&pending, &returned_state, &code).await.map_err(|err| {
        tracing::warn!(error = %err, "single sign-on failed");
        match err {
            chatbot_service::SsoError::Unavailable(_) => "unavailable",
            chatbot_service::SsoError::Rejected(_) => "rejected",
        }
    })?;
    state.accounts.sign_in_external(&identity, client).await.map_err(|err| {
        tracing::info!(error = %err, email = %identity.email, "single sign-on refused");
        match err {
            ServiceError::Forbidden(m) if m == chatbot_service::UNVERIFIED_EMAIL => "unverified_email",
            ServiceError::Forbidden(_) => "deactivated",
            ServiceError::Unavailable(_) => "unavailable",
            _ => "failed",
        }
    })
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE && !value.is_empty()).then(|| value.to_owned())
        })
}

fn sso_error(err: chatbot_service::SsoError) -> ApiError {
    tracing::warn!(error = %err, "single sign-on could not start");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the identity provider cannot be reached; try again later",
    )
}
