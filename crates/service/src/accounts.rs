//! Accounts and sessions: register, login, refresh with rotation, logout, devices, and turning an
//! access token into an [`Actor`].

use crate::error::{ServiceError, ServiceResult};
use crate::events::{NoEvents, RoomEvents, SessionEnd};
use crate::limit::Limit;
use crate::passwords::PasswordHasher;
use crate::sso::{ExternalIdentity, PendingSignIn};
use crate::throttle::ThrottleDecision;
use crate::tokens::{AccessClaims, TokenError, TokenIssuer, hash_refresh_token, new_refresh_token};
use chatbot_domain::{
    DisplayName, Email, MemberRole, Password, RoomId, SessionId, UserId, UserRole, ValidationError,
};
use chatbot_store::{Authenticated, Device, NewSession, NewUser, Rotation, Store, User, UserQuery};
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// The limits and lifetimes the account service enforces.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    pub refresh_ttl: Duration,
    /// How long a just-exchanged refresh token may be exchanged again (see
    /// `Store::rotate_session_with_grace`).
    pub refresh_reuse_grace: Duration,
    pub password_min_chars: usize,
    /// Longest password (`limits.max_password_chars`).
    pub max_password_chars: usize,
    /// Longest display name (`limits.max_display_name_chars`).
    pub max_display_name_chars: usize,
    /// (max failures, window) per account from one client address: the lock an attacker who
    /// knows an address can trigger only for their own address.
    pub login_per_account: (u32, Duration),
    /// (max failures, window) per account from all addresses together: a guesser with many
    /// addresses stops here.
    pub login_per_account_total: (u32, Duration),
    /// (max failures, window) per client address, whatever the account.
    pub login_per_ip: (u32, Duration),
    /// (max failed refreshes, window) per client address.
    pub refresh_per_ip: (u32, Duration),
    /// (max accounts, window) per client IP.
    pub registrations_per_ip: (u32, Duration),
    /// The assistant's display name, which no account may pass for.
    pub assistant_name: String,
    /// Most users one page lists (`limits.max_page`).
    pub max_page: u32,
    /// Where the throttles are counted across instances (`REDIS_URL`); `None`: in process.
    pub shared: Option<chatbot_redis::shared::Shared>,
    /// Whether people sign in and sign up with a password (`password_login`); off, single
    /// sign-on is the only way in (the CLI still creates accounts).
    pub password_login: bool,
}

/// Where a request comes from, for throttles, audit entries and the device list.
#[derive(Debug, Clone)]
pub struct ClientContext {
    pub ip: IpAddr,
    pub user_agent: Option<String>,
}

impl ClientContext {
    /// The key throttles count this client under. An IPv6 client is its /64: one subscriber
    /// usually holds a whole /64 and can pick any address in it. An IPv4 address mapped into
    /// IPv6 is the IPv4 address.
    pub fn throttle_key(&self) -> String {
        match self.ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    format!("{}/64", std::net::Ipv6Addr::from(prefix))
                }
            },
        }
    }
}

/// Attempts counted against throttles before the work they limit, given back on drop unless
/// kept: a successful login, or a request that failed for another reason (the database, or the
/// client gone while its password waited to be hashed), does not count as a failure.
struct Reservations<'a> {
    held: Vec<(&'a Limit, String)>,
}

impl<'a> Reservations<'a> {
    /// Reserves one attempt in each throttle, or none: refused as soon as one is full.
    async fn take(slots: Vec<(&'a Limit, String)>, message: &'static str) -> ServiceResult<Self> {
        let mut held = Self { held: Vec::with_capacity(slots.len()) };
        for (throttle, key) in slots {
            if let ThrottleDecision::Deny { retry_after } = throttle.try_acquire(&key).await {
                return Err(ServiceError::RateLimited { message, retry_after });
            }
            held.held.push((throttle, key));
        }
        Ok(held)
    }

    /// The attempts failed: they stay counted.
    fn keep(mut self) {
        self.held.clear();
    }
}

impl Drop for Reservations<'_> {
    fn drop(&mut self) {
        for (throttle, key) in &self.held {
            throttle.release(key);
        }
    }
}

/// A sign-up request, as received.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// The result of a successful register, login or refresh.
#[derive(Debug, Clone)]
pub struct AuthOutcome {
    pub user: User,
    pub access_token: String,
    pub refresh_token: String,
    /// Lifetime of the access token, in seconds.
    pub expires_in: u64,
    pub session_id: SessionId,
}

/// An authenticated caller: an active user on a signed-in device.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub session: SessionId,
    /// When the access token this caller presented stops being accepted: a socket opened with
    /// it is ended then (the client reconnects with a fresh token).
    pub token_expires_at: OffsetDateTime,
}

impl Actor {
    pub fn id(&self) -> UserId {
        self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == UserRole::Admin
    }
}

/// The caller a verified access token names, once the store has found its user honoured.
fn actor(user: User, claims: &AccessClaims) -> ServiceResult<Actor> {
    // The moment the token stops being accepted: verification compares whole seconds and
    // allows `exp + leeway` itself, so the first second it fails is the one after.
    let leeway = i64::try_from(crate::tokens::LEEWAY_SECS).unwrap_or(0);
    let token_expires_at = OffsetDateTime::from_unix_timestamp(claims.exp.saturating_add(leeway + 1))
        .map_err(|_| ServiceError::Unauthorized("invalid access token"))?;
    Ok(Actor { user, session: claims.sid, token_expires_at })
}

const BAD_CREDENTIALS: &str = "invalid email or password";
/// Why a well-formed access token is refused: its session or its account is no longer live.
const SESSION_ENDED: &str = "session ended or account deactivated";
/// Why single sign-on refuses an identity whose email address the provider has not verified
/// (the callback names this case on the sign-in page).
pub const UNVERIFIED_EMAIL: &str = "the identity provider has not verified this email address";
/// The stored "password hash" of accounts made by single sign-on: not a PHC string, so no
/// password verifies against it.
const EXTERNAL_ONLY: &str = "!sso";
/// How long a single sign-on may take between leaving for the provider and coming back.
const PENDING_SIGN_IN_TTL: std::time::Duration = std::time::Duration::from_secs(600);
const USER_AGENT_MAX: usize = 256;

pub struct AccountService {
    store: Arc<dyn Store>,
    hasher: PasswordHasher,
    tokens: TokenIssuer,
    settings: AccountSettings,
    login_per_account: Limit,
    login_per_account_total: Limit,
    login_per_ip: Limit,
    refresh_per_ip: Limit,
    registrations_per_ip: Limit,
    events: Arc<dyn RoomEvents>,
}

impl AccountService {
    pub fn new(
        store: Arc<dyn Store>,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        settings: AccountSettings,
    ) -> Self {
        let limit = |name, rule| Limit::new(name, rule, settings.shared.clone());
        Self {
            login_per_account: limit("login-account-ip", settings.login_per_account),
            login_per_account_total: limit("login-account", settings.login_per_account_total),
            login_per_ip: limit("login-ip", settings.login_per_ip),
            refresh_per_ip: limit("refresh-ip", settings.refresh_per_ip),
            registrations_per_ip: limit("register-ip", settings.registrations_per_ip),
            store,
            hasher,
            tokens,
            settings,
            events: Arc::new(NoEvents),
        }
    }

    /// Where revoked sessions are announced (the real-time gateway ends their connections).
    pub fn with_events(mut self, events: Arc<dyn RoomEvents>) -> Self {
        self.events = events;
        self
    }

    /// Creates an account and signs it in. The first account of an empty database is an admin.
    /// New accounts join the built-in `general` room.
    pub async fn register(
        &self,
        registration: Registration,
        client: &ClientContext,
    ) -> ServiceResult<AuthOutcome> {
        self.require_password_login()?;
        let email = Email::parse(&registration.email)?;
        let name = self.display_name(&registration.name)?;
        let password = Password::parse(
            &registration.password,
            self.settings.password_min_chars,
            self.settings.max_password_chars,
            Some(&email),
        )?;
        // Every attempt that gets this far counts, whatever its outcome: a "taken" answer tells
        // which addresses have accounts, and each attempt costs a password hash. Reserved before
        // hashing, under one lock, so parallel attempts cannot all pass the check.
        let ip_key = client.throttle_key();
        if let ThrottleDecision::Deny { retry_after } = self.registrations_per_ip.try_acquire(&ip_key).await {
            return Err(ServiceError::RateLimited {
                message: "too many sign-up attempts from this address; try again later",
                retry_after,
            });
        }
        let user = self.create_account(email, name, &password, UserRole::User, true).await?;
        // Registering signs in: it counts as a sign-in (and as activity) like a login.
        self.store.record_login(user.id, OffsetDateTime::now_utc()).await?;
        self.start_session(user, client).await
    }

    /// Whether password sign-in and sign-up are on.
    pub fn password_login(&self) -> bool {
        self.settings.password_login
    }

    fn require_password_login(&self) -> ServiceResult<()> {
        if self.settings.password_login {
            Ok(())
        } else {
            Err(ServiceError::Forbidden("password sign-in is turned off here: use single sign-on"))
        }
    }

    /// Signs in someone the identity provider vouches for. Accounts are linked by email address,
    /// so only a verified one is taken: an unverified claim could name someone else's account.
    /// Without an account yet, one is made (without a password: only single sign-on opens it).
    pub async fn sign_in_external(
        &self,
        identity: &ExternalIdentity,
        client: &ClientContext,
    ) -> ServiceResult<AuthOutcome> {
        if !identity.email_verified {
            return Err(ServiceError::Forbidden(UNVERIFIED_EMAIL));
        }
        let email = Email::parse(&identity.email)?;
        let (user, created) = match self.store.user_by_email(email.as_str()).await? {
            Some(user) => (user, false),
            None => (self.create_external_account(email, identity).await?, true),
        };
        if !user.is_active {
            return Err(ServiceError::Forbidden("this account has been deactivated"));
        }
        self.store.record_login(user.id, OffsetDateTime::now_utc()).await?;
        let detail = serde_json::json!({ "subject": identity.subject, "created": created });
        self.audit(Some(user.id), "auth.sso_login", Some(user.email.clone()), detail).await;
        self.start_session(user, client).await
    }

    async fn create_external_account(
        &self,
        email: Email,
        identity: &ExternalIdentity,
    ) -> ServiceResult<User> {
        // The provider's name if it makes a valid one here, else the address's local part.
        let local = email.as_str().split('@').next().unwrap_or("user").to_owned();
        let name = identity
            .name
            .as_deref()
            .and_then(|n| self.display_name(n).ok())
            .or_else(|| self.display_name(&local).ok())
            .map_or_else(|| "user".to_owned(), DisplayName::into_inner);
        let new = NewUser {
            id: UserId::new(),
            email: email.into_inner(),
            name,
            // Not a password hash: no password ever matches it.
            password_hash: EXTERNAL_ONLY.to_owned(),
            role: UserRole::User,
        };
        let user = self.store.create_user(new, true).await.map_err(|e| match e {
            // Made by a concurrent sign-in of the same person: sign in to that one.
            chatbot_store::StoreError::Conflict(_) => {
                ServiceError::Conflict("signed in twice at once; try again".into())
            }
            other => other.into(),
        })?;
        if let Err(err) = self.store.add_member(RoomId::GENERAL, user.id, MemberRole::Member).await {
            tracing::warn!(user_id = %user.id, error = %err, "could not add new user to the general room");
        }
        Ok(user)
    }

    /// Signs what a single sign-on in progress must remember, for a cookie.
    pub fn seal_pending(&self, pending: &PendingSignIn) -> ServiceResult<String> {
        self.tokens
            .seal(pending, PENDING_SIGN_IN_TTL)
            .map_err(|_| ServiceError::Internal("cannot sign the sign-in state".into()))
    }

    /// The pending sign-in of a cookie [`AccountService::seal_pending`] made, if genuine and fresh.
    pub fn open_pending(&self, sealed: &str) -> ServiceResult<PendingSignIn> {
        self.tokens
            .open(sealed)
            .map_err(|_| ServiceError::Unauthorized("the sign-in expired or was not started here; try again"))
    }

    /// Creates an account from the shell (no throttles), optionally as admin.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password: &str,
        admin: bool,
    ) -> ServiceResult<User> {
        let email = Email::parse(email)?;
        let name = self.display_name(name)?;
        let password = Password::parse(
            password,
            self.settings.password_min_chars,
            self.settings.max_password_chars,
            Some(&email),
        )?;
        let role = if admin { UserRole::Admin } else { UserRole::User };
        self.create_account(email, name, &password, role, true).await
    }

    /// A valid display name that does not pass for the assistant's, so nobody can post in a
    /// room under what members take for the AI's name.
    fn display_name(&self, input: &str) -> ServiceResult<DisplayName> {
        let name = DisplayName::parse(input, self.settings.max_display_name_chars)?;
        if chatbot_domain::passes_for(name.as_str(), &self.settings.assistant_name) {
            return Err(ValidationError::new("name", "is too close to the assistant's name").into());
        }
        Ok(name)
    }

    async fn create_account(
        &self,
        email: Email,
        name: DisplayName,
        password: &Password,
        role: UserRole,
        first_becomes_admin: bool,
    ) -> ServiceResult<User> {
        // Cheap check first so a taken email does not cost a hash; the insert re-checks atomically.
        if self.store.user_by_email(email.as_str()).await?.is_some() {
            return Err(ServiceError::Conflict("an account with this email already exists".into()));
        }
        let password_hash = self.hasher.hash(password.expose()).await?;
        let new = NewUser {
            id: UserId::new(),
            email: email.into_inner(),
            name: name.into_inner(),
            password_hash,
            role,
        };
        let user = self.store.create_user(new, first_becomes_admin).await.map_err(|e| match e {
            chatbot_store::StoreError::Conflict(_) => {
                ServiceError::Conflict("an account with this email already exists".into())
            }
            other => other.into(),
        })?;
        if let Err(err) = self.store.add_member(RoomId::GENERAL, user.id, MemberRole::Member).await {
            // The account is usable without it; joining `general` later adds the membership.
            tracing::warn!(user_id = %user.id, error = %err, "could not add new user to the general room");
        }
        Ok(user)
    }

    /// Signs in with email and password, throttled per client address, per account from that
    /// address, and per account in all. Each attempt is reserved before the password is hashed,
    /// so parallel guesses cannot all pass a check made before any of them failed.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &ClientContext,
    ) -> ServiceResult<AuthOutcome> {
        self.require_password_login()?;
        let email = Email::parse(email).map_err(|_| ServiceError::Unauthorized(BAD_CREDENTIALS))?;
        let ip_key = client.throttle_key();
        let account_key = email.as_str().to_owned();
        let pair_key = format!("{account_key} from {ip_key}");
        let reserved = Reservations::take(
            vec![
                (&self.login_per_ip, ip_key.clone()),
                (&self.login_per_account, pair_key.clone()),
                (&self.login_per_account_total, account_key.clone()),
            ],
            "too many failed sign-in attempts; try again later",
        )
        .await?;
        let user = self.store.user_by_email(email.as_str()).await?;
        let verified = self.hasher.verify(password, user.as_ref().map(|u| u.password_hash.as_str())).await?;
        let user = match user {
            Some(user) if verified => user,
            user => {
                reserved.keep();
                let reason = if user.is_some() { "wrong_password" } else { "unknown_email" };
                self.audit(
                    user.map(|u| u.id),
                    "auth.login_failed",
                    Some(email.as_str().to_owned()),
                    json!({ "ip": client.ip.to_string(), "reason": reason }),
                )
                .await;
                return Err(ServiceError::Unauthorized(BAD_CREDENTIALS));
            }
        };
        drop(reserved);
        if !user.is_active {
            return Err(ServiceError::Forbidden("this account has been deactivated"));
        }
        // The right password from this address forgives this address's earlier mistakes.
        self.login_per_account.reset(&pair_key);
        self.store.record_login(user.id, OffsetDateTime::now_utc()).await?;
        self.start_session(user, client).await
    }

    /// Exchanges a refresh token for a new pair. Presenting a token that was already exchanged
    /// means it was copied: the whole device session is revoked and the event audited.
    pub async fn refresh(&self, refresh_token: &str, client: &ClientContext) -> ServiceResult<AuthOutcome> {
        let reserved = Reservations::take(
            vec![(&self.refresh_per_ip, client.throttle_key())],
            "too many failed token refreshes; try again later",
        )
        .await?;
        let outcome = self.rotate(refresh_token, client).await;
        if matches!(outcome, Err(ServiceError::Unauthorized(_))) {
            reserved.keep();
        }
        outcome
    }

    async fn rotate(&self, refresh_token: &str, client: &ClientContext) -> ServiceResult<AuthOutcome> {
        let now = OffsetDateTime::now_utc();
        let token = new_refresh_token();
        let next = self.new_session(SessionId::new(), UserId::new(), &token, client, now);
        let grace =
            time::Duration::try_from(self.settings.refresh_reuse_grace).unwrap_or(time::Duration::ZERO);
        match self
            .store
            .rotate_session_with_grace(&hash_refresh_token(refresh_token), next, now, grace)
            .await?
        {
            Rotation::Rotated { user_id, family_id } => {
                let user =
                    self.store.user(user_id).await?.ok_or(ServiceError::Unauthorized("unknown session"))?;
                if !user.is_active {
                    self.store.revoke_family(user_id, family_id, now).await?;
                    self.events.session_revoked(user_id, family_id, SessionEnd::Deactivated);
                    return Err(ServiceError::Forbidden("this account has been deactivated"));
                }
                self.outcome(user, family_id, token, now)
            }
            Rotation::Reused { user_id, family_id } => {
                self.events.session_revoked(user_id, family_id, SessionEnd::TokenReused);
                self.audit(
                    Some(user_id),
                    "auth.token_reuse",
                    Some(family_id.to_string()),
                    json!({ "ip": client.ip.to_string(), "sessionId": family_id }),
                )
                .await;
                Err(ServiceError::Unauthorized("refresh token already used; the session has been revoked"))
            }
            Rotation::Expired => Err(ServiceError::Unauthorized("refresh token expired; sign in again")),
            Rotation::Unknown => Err(ServiceError::Unauthorized("invalid refresh token")),
        }
    }

    /// Signs out the device that holds this refresh token. Unknown tokens are ignored: the
    /// outcome the caller wants (that token no longer works) holds either way.
    pub async fn logout(&self, refresh_token: &str) -> ServiceResult<()> {
        let revoked = self
            .store
            .revoke_session_by_token(&hash_refresh_token(refresh_token), OffsetDateTime::now_utc())
            .await?;
        // The device's open connections end too: a signed-out device must not keep receiving.
        if let Some((user_id, session)) = revoked {
            self.events.session_revoked(user_id, session, SessionEnd::SignedOut);
        }
        Ok(())
    }

    /// Resolves an access token to an active user on a live session.
    pub async fn authenticate(&self, access_token: &str) -> ServiceResult<Actor> {
        let claims = self.verify(access_token)?;
        let user = self
            .store
            .authenticate(claims.sub, claims.sid, OffsetDateTime::now_utc())
            .await?
            .ok_or(ServiceError::Unauthorized(SESSION_ENDED))?;
        actor(user, &claims)
    }

    /// [`Self::authenticate`], and the rooms the user is a member of, in one read: what a
    /// socket's handshake needs (it subscribes the socket to each room's member events).
    pub async fn authenticate_with_rooms(&self, access_token: &str) -> ServiceResult<(Actor, Vec<RoomId>)> {
        let claims = self.verify(access_token)?;
        let read = self.session_with_rooms(claims.sub, claims.sid).await?;
        Ok((actor(read.user, &claims)?, read.member_of))
    }

    /// The rooms `actor` is a member of now, if their session is still honoured (`Unauthorized`
    /// if not): a socket's list read again after a membership change raced with its handshake.
    pub async fn rooms_on_session(&self, actor: &Actor) -> ServiceResult<Vec<RoomId>> {
        Ok(self.session_with_rooms(actor.id(), actor.session).await?.member_of)
    }

    /// The store's reading of a session for a socket, `Unauthorized` when it is not honoured.
    async fn session_with_rooms(&self, user: UserId, session: SessionId) -> ServiceResult<Authenticated> {
        self.store
            .authenticate_with_rooms(user, session, OffsetDateTime::now_utc())
            .await?
            .ok_or(ServiceError::Unauthorized(SESSION_ENDED))
    }

    fn verify(&self, access_token: &str) -> ServiceResult<AccessClaims> {
        self.tokens.verify(access_token).map_err(|e| match e {
            TokenError::Expired => ServiceError::Unauthorized("access token expired"),
            TokenError::Invalid => ServiceError::Unauthorized("invalid access token"),
        })
    }

    /// Which of these sessions still honour their access tokens (the gateway's periodic check).
    pub async fn live_sessions(&self, families: &[SessionId]) -> ServiceResult<Vec<SessionId>> {
        Ok(self.store.live_sessions(families, OffsetDateTime::now_utc()).await?)
    }

    pub async fn devices(&self, actor: &Actor) -> ServiceResult<Vec<Device>> {
        Ok(self.store.list_devices(actor.id(), OffsetDateTime::now_utc()).await?)
    }

    pub async fn revoke_device(&self, actor: &Actor, device: SessionId) -> ServiceResult<()> {
        if self.store.revoke_family(actor.id(), device, OffsetDateTime::now_utc()).await? {
            self.events.session_revoked(actor.id(), device, SessionEnd::SignedOut);
            Ok(())
        } else {
            Err(ServiceError::NotFound("session"))
        }
    }

    pub async fn list_users(&self, search: Option<String>, limit: u32) -> ServiceResult<Vec<User>> {
        self.list_users_after(search, None, limit).await
    }

    /// A page of users in creation order, after the user `after` (admin API, CLI).
    pub async fn list_users_after(
        &self,
        search: Option<String>,
        after: Option<UserId>,
        limit: u32,
    ) -> ServiceResult<Vec<User>> {
        Ok(self.store.list_users(&UserQuery { search, after, limit }).await?)
    }

    /// The size of a page of users: `requested` within `limits.max_page`, else `default`.
    pub fn page_size(&self, requested: Option<u32>, default: u32) -> ServiceResult<u32> {
        Ok(chatbot_domain::page_size(requested, default, self.settings.max_page)?)
    }

    pub async fn user(&self, id: UserId) -> ServiceResult<User> {
        self.store.user(id).await?.ok_or(ServiceError::NotFound("user"))
    }

    /// Changes a user's role (CLI and admin API); audited.
    pub async fn set_role(&self, actor: Option<UserId>, email: &str, role: UserRole) -> ServiceResult<User> {
        let user = self.user_by_email(email).await?;
        self.change_role(actor, user, role).await
    }

    /// The account with this email (CLI commands name users by email).
    pub async fn user_by_email(&self, email: &str) -> ServiceResult<User> {
        let email = Email::parse(email)?;
        self.store.user_by_email(email.as_str()).await?.ok_or(ServiceError::NotFound("user"))
    }

    /// Activates or deactivates an account (CLI and admin API); audited when it changes.
    /// Deactivation signs the user out everywhere: every device's session is revoked and its
    /// live connections end (`sessionRevoked`, reason `deactivated`); sign-in, refresh and every
    /// request with an access token it already holds are refused from then on. An admin cannot
    /// deactivate their own account (nobody would be left to undo it by mistake).
    pub async fn set_active(
        &self,
        actor: Option<UserId>,
        user_id: UserId,
        active: bool,
    ) -> ServiceResult<User> {
        if !active && actor == Some(user_id) {
            return Err(ServiceError::Conflict("you cannot deactivate your own account".into()));
        }
        let before = self.store.user(user_id).await?.ok_or(ServiceError::NotFound("user"))?;
        let updated = self.store.set_user_active(user_id, active).await?;
        if !active {
            let now = OffsetDateTime::now_utc();
            for device in self.store.list_devices(user_id, now).await? {
                if self.store.revoke_family(user_id, device.id, now).await? {
                    self.events.session_revoked(user_id, device.id, SessionEnd::Deactivated);
                }
            }
        }
        if before.is_active != active {
            let action = if active { "user.activated" } else { "user.deactivated" };
            self.audit(actor, action, Some(user_id.to_string()), json!({})).await;
        }
        Ok(updated)
    }

    /// [`AccountService::set_role`] for a user named by id (admin API).
    pub async fn set_role_of(
        &self,
        actor: Option<UserId>,
        user_id: UserId,
        role: UserRole,
    ) -> ServiceResult<User> {
        let user = self.user(user_id).await?;
        self.change_role(actor, user, role).await
    }

    async fn change_role(&self, actor: Option<UserId>, user: User, role: UserRole) -> ServiceResult<User> {
        let updated = self.store.set_user_role(user.id, role).await?;
        self.audit(
            actor,
            "user.role_changed",
            Some(user.id.to_string()),
            json!({ "from": user.role, "to": role }),
        )
        .await;
        Ok(updated)
    }

    async fn start_session(&self, user: User, client: &ClientContext) -> ServiceResult<AuthOutcome> {
        let now = OffsetDateTime::now_utc();
        let token = new_refresh_token();
        let family = SessionId::new();
        self.store.create_session(self.new_session(family, user.id, &token, client, now)).await?;
        self.outcome(user, family, token, now)
    }

    fn new_session(
        &self,
        family_id: SessionId,
        user_id: UserId,
        token: &str,
        client: &ClientContext,
        now: OffsetDateTime,
    ) -> NewSession {
        NewSession {
            id: Uuid::now_v7(),
            family_id,
            user_id,
            token_hash: hash_refresh_token(token),
            user_agent: client.user_agent.as_deref().map(|ua| ua.chars().take(USER_AGENT_MAX).collect()),
            expires_at: now + self.settings.refresh_ttl,
        }
    }

    fn outcome(
        &self,
        user: User,
        session_id: SessionId,
        refresh_token: String,
        now: OffsetDateTime,
    ) -> ServiceResult<AuthOutcome> {
        let access_token = self
            .tokens
            .issue(user.id, session_id, now)
            .map_err(|e| ServiceError::Internal(format!("cannot sign token: {e}")))?;
        Ok(AuthOutcome {
            user,
            access_token,
            refresh_token,
            expires_in: self.tokens.access_ttl().as_secs(),
            session_id,
        })
    }

    /// Audit writes must never fail the action they describe; a failure is logged instead.
    /// A page of the audit log, newest first (admin API, CLI); `query.limit` is checked against
    /// `limits.max_page` by [`AccountService::page_size`] at the caller.
    pub async fn audit_log(
        &self,
        query: &chatbot_store::AuditQuery,
    ) -> ServiceResult<Vec<chatbot_store::AuditEntry>> {
        Ok(self.store.audit_page(query).await?)
    }

    async fn audit(
        &self,
        actor: Option<UserId>,
        action: &str,
        target: Option<String>,
        detail: serde_json::Value,
    ) {
        crate::audit::record(self.store.as_ref(), actor, action, target, detail).await;
    }
}
