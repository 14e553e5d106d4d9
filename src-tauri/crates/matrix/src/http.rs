//! Sending typed ruma requests over reqwest, with 429 handling and error classification.
//!
//! ## What a homeserver's answer may not do
//! - Redirect: the API client follows no redirect at all. A 307/308 re-sends the body (a login's
//!   password) and reqwest keeps custom headers across hosts, so a redirect could hand the
//!   credentials to another server; a 3xx is a [`Failure`](crate::http::Failure) naming where it pointed instead.
//!   Only the `.well-known` lookup (no token, no body) follows redirects, and only within its
//!   own origin ([`well_known_client`](crate::http::well_known_client)).
//! - Travel in clear text to another machine: every request is checked before it is sent
//!   ([`check_url`](crate::http::check_url)): `https`, or `http` to a loopback address only.
//! - Be unbounded: a body is read chunk by chunk and dropped past [`MAX_BODY`](crate::http::MAX_BODY).
//!
//! ## Retry classification
//! [`Failure::retry_kind`](crate::http::Failure::retry_kind) says whether the same request can succeed later (the outbox's "later
//! or never"), and [`Failure::into_api_error`](crate::http::Failure::into_api_error) carries it on the [`ApiError`](qunguan_core::ApiError).

use std::borrow::Cow;
use std::time::Duration;

use qunguan_core::{ApiError, ErrorCode, RetryKind};
use ruma::api::auth_scheme::{
    AccessToken, AccessTokenOptional, AppserviceTokenOptional, NoAccessToken, NoAuthentication, SendAccessToken,
};
use ruma::api::path_builder::{SinglePath, VersionHistory};
use ruma::api::{
    IncomingResponseExt, OutgoingRequest, OutgoingRequestExt, SupportedVersions, auth_scheme::AuthScheme,
    path_builder::PathBuilder,
};
use serde::Deserialize;

/// At most this many attempts for one request that keeps answering 429.
const MAX_RATE_LIMIT_ATTEMPTS: u32 = 6;
/// Never wait longer than this for one 429 before trying again.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The largest answer read from a homeserver: 16 MiB. The biggest legitimate answers (a
/// 1000-event `/messages` page, a large room's state or member list) stay well below it.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// How many same-origin redirects the `.well-known` lookup follows.
const MAX_WELL_KNOWN_REDIRECTS: usize = 5;

/// Supplies the authentication input of each ruma auth scheme from an optional token.
pub trait AuthInput: AuthScheme {
    /// What this scheme sends: the token where it takes one, nothing otherwise.
    fn input(token: Option<&str>) -> Self::Input<'_>;
}

fn send_token(token: Option<&str>) -> SendAccessToken<'_> {
    token.map_or(SendAccessToken::None, SendAccessToken::IfRequired)
}

impl AuthInput for NoAuthentication {
    fn input(_: Option<&str>) -> Self::Input<'_> {}
}

macro_rules! token_auth {
    ($($t:ty),*) => {$(
        impl AuthInput for $t {
            fn input(token: Option<&str>) -> Self::Input<'_> {
                send_token(token)
            }
        }
    )*};
}
token_auth!(AccessToken, AccessTokenOptional, AppserviceTokenOptional, NoAccessToken);

/// Supplies the path-builder input of each ruma path scheme.
pub trait PathInput: PathBuilder {
    /// What this path builder needs: the server's supported versions, or nothing.
    fn input(versions: &SupportedVersions) -> Self::Input<'_>;
}

impl PathInput for VersionHistory {
    fn input(versions: &SupportedVersions) -> Self::Input<'_> {
        Cow::Borrowed(versions)
    }
}

impl PathInput for SinglePath {
    fn input(_: &SupportedVersions) -> Self::Input<'_> {}
}

/// The Matrix error body: `{errcode, error, retry_after_ms}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    errcode: Option<String>,
    error: Option<String>,
    retry_after_ms: Option<u64>,
}

/// What went wrong with one request, before it is turned into an [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// HTTP status, `None` when no answer came at all.
    pub status: Option<u16>,
    /// The Matrix `errcode` of the answer (`M_FORBIDDEN`, …), if any.
    pub errcode: Option<String>,
    /// What happened, in English (the server's `error`, or ours).
    pub message: String,
    /// Set when this layer itself judged the request or its answer (never sent, a redirect,
    /// an oversized answer): that code and retry kind, instead of what the status implies.
    pub verdict: Option<(ErrorCode, RetryKind)>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.status, &self.errcode) {
            (Some(s), Some(c)) => write!(f, "HTTP {s} {c}: {}", self.message),
            (Some(s), None) => write!(f, "HTTP {s}: {}", self.message),
            (None, Some(c)) => write!(f, "{c}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// The [`ApiError`]'s source: the engine can still read the status and `errcode` it came from.
impl std::error::Error for Failure {}

impl Failure {
    /// No answer came (connection refused, DNS, timeout, cut off).
    pub fn no_answer(message: impl Into<String>) -> Self {
        Failure { status: None, errcode: None, message: message.into(), verdict: None }
    }

    /// Judged here, with the status if an answer came.
    pub fn judged(status: Option<u16>, code: ErrorCode, retry: RetryKind, message: impl Into<String>) -> Self {
        Failure { status, errcode: None, message: message.into(), verdict: Some((code, retry)) }
    }

    /// An answer the homeserver gave that is not what the request expects.
    pub fn unreadable(status: u16, message: impl Into<String>) -> Self {
        Failure { status: Some(status), errcode: None, message: message.into(), verdict: None }
    }

    /// Can the same request succeed later? No answer: when the network is back. 408, 429 and
    /// 5xx: after a while. A 2xx whose body does not parse (a proxy's page, a cut-off answer):
    /// after a while. Any other 4xx (bad request, bad JSON, unknown room, forbidden): never.
    pub fn retry_kind(&self) -> RetryKind {
        if let Some((_, retry)) = self.verdict {
            return retry;
        }
        match self.status {
            None => RetryKind::Network,
            Some(408 | 429) | Some(500..) | Some(..400) => RetryKind::Transient,
            Some(_) if self.errcode.as_deref() == Some("M_LIMIT_EXCEEDED") => RetryKind::Transient,
            Some(_) => RetryKind::Permanent,
        }
    }

    /// The default classification; callers with more context (login) refine it first.
    pub fn into_api_error(self) -> ApiError {
        let retry = self.retry_kind();
        let code = match (self.verdict, self.status, self.errcode.as_deref()) {
            (Some((code, _)), _, _) => code,
            (_, None, _) => ErrorCode::HomeserverUnreachable,
            (_, _, Some("M_UNKNOWN_TOKEN" | "M_MISSING_TOKEN")) | (_, Some(401), _) => ErrorCode::AuthInvalidToken,
            (_, _, Some("M_FORBIDDEN")) | (_, Some(403), _) => ErrorCode::Forbidden,
            (_, _, Some("M_LIMIT_EXCEEDED")) | (_, Some(429), _) => ErrorCode::RateLimited,
            (_, _, Some("M_NOT_FOUND")) | (_, Some(404), _) => ErrorCode::NotFound,
            (_, _, Some("M_INVALID_PARAM" | "M_BAD_JSON" | "M_NOT_JSON")) => ErrorCode::InvalidInput,
            _ => ErrorCode::Platform,
        };
        ApiError::new(code, self.to_string()).with_retry(retry).with_source(self)
    }
}

/// A homeserver connection: base URL, optional access token, the server's spec versions.
#[derive(Clone)]
pub struct HttpClient {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
    versions: SupportedVersions,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("qunguan/", env!("CARGO_PKG_VERSION")))
}

/// The shared API client: bounded connect and request times, and no redirects at all (see the
/// module docs: a redirected login re-sends the password to wherever it points).
pub fn reqwest_client() -> reqwest::Client {
    client_builder().redirect(reqwest::redirect::Policy::none()).build().expect("a TLS backend is compiled in")
}

/// The client for `.well-known/matrix/client` (no token, no body): follows redirects within
/// the same origin (scheme, host and port) only.
pub fn well_known_client() -> reqwest::Client {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().last().is_some_and(|prev| prev.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_WELL_KNOWN_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    client_builder().redirect(policy).build().expect("a TLS backend is compiled in")
}

/// Is `host` this machine? (`localhost`, 127.0.0.0/8, `::1`.)
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A homeserver address requests may go to: `https`, or `http` to a loopback address (a
/// server on this machine, as in development and the tests). Says why not otherwise.
pub fn check_url(url: &url::Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(format!(
            "{} is plain http to another machine: only https is used, except for a server on this machine",
            url.origin().ascii_serialization()
        )),
        other => Err(format!("“{other}” is not a web address scheme (https is needed)")),
    }
}

impl HttpClient {
    /// A client for one homeserver; requests are unauthenticated until [`HttpClient::with_token`].
    pub fn new(http: reqwest::Client, base_url: &str, versions: SupportedVersions) -> Self {
        Self { http, base_url: base_url.trim_end_matches('/').to_owned(), token: None, versions }
    }

    /// The same client, sending `token` as the bearer on every request.
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// The homeserver's client API base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The underlying reqwest client (it follows no redirects), for calls outside [`HttpClient`]'s own.
    pub fn raw(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends a typed request, retrying on 429 after the server's `retry_after_ms`.
    pub async fn send<R>(&self, request: R) -> Result<R::IncomingResponse, Failure>
    where
        R: OutgoingRequest,
        R::Authentication: AuthInput,
        R::PathBuilder: PathInput,
    {
        let http_request = request
            .try_into_http_request::<Vec<u8>>(
                &self.base_url,
                <R::Authentication as AuthInput>::input(self.token.as_deref()),
                <R::PathBuilder as PathInput>::input(&self.versions),
            )
            .map_err(|e| {
                Failure::judged(
                    None,
                    ErrorCode::Internal,
                    RetryKind::Permanent,
                    format!("could not build request: {e}"),
                )
            })?;
        let (status, headers, body) = self.execute_with_retry(http_request).await?;
        let mut builder = http::Response::builder().status(status);
        if let Some(h) = builder.headers_mut() {
            *h = headers;
        }
        let response = builder.body(body.as_slice()).expect("status and headers came from a response");
        R::IncomingResponse::try_from_http_response(response)
            .map_err(|e| Failure::unreadable(status, format!("unexpected answer from the homeserver: {e}")))
    }

    /// Sends a hand-built JSON request (for endpoints ruma has no types for, such as the
    /// Synapse admin API in [`crate::admin`]) through the same 429 retries and error
    /// classification as [`Self::send`]. `path` starts with `/` and carries its own
    /// percent-encoding and query. An empty answer reads as `{}`.
    pub async fn send_json(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, Failure> {
        let invalid = |e: &dyn std::fmt::Display| {
            Failure::judged(None, ErrorCode::Internal, RetryKind::Permanent, format!("could not build request: {e}"))
        };
        let mut builder = http::Request::builder().method(method).uri(format!("{}{path}", self.base_url));
        if let Some(token) = &self.token {
            builder = builder.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let bytes = match body {
            Some(b) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/json");
                serde_json::to_vec(b).map_err(|e| invalid(&e))?
            }
            None => Vec::new(),
        };
        let request = builder.body(bytes).map_err(|e| invalid(&e))?;
        let (status, _headers, body) = self.execute_with_retry(request).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Object(Default::default()));
        }
        serde_json::from_slice(&body)
            .map_err(|_| Failure::unreadable(status, "unexpected answer from the homeserver: not JSON"))
    }

    async fn execute_with_retry(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(u16, http::HeaderMap, Vec<u8>), Failure> {
        let mut attempt = 1;
        loop {
            let (status, headers, body) = execute(&self.http, clone_request(&request)).await?;
            if (300..400).contains(&status) {
                return Err(redirected(status, &headers));
            }
            if status < 400 {
                return Ok((status, headers, body));
            }
            let failure = failure_from(status, &headers, &body);
            match retry_after(status, &headers, &body) {
                Some(wait) if attempt < MAX_RATE_LIMIT_ATTEMPTS => {
                    tracing::debug!(attempt, ?wait, "rate limited; waiting as the server asked");
                    tokio::time::sleep(wait.min(MAX_RETRY_AFTER)).await;
                    attempt += 1;
                }
                _ => return Err(failure),
            }
        }
    }
}

fn clone_request(r: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::builder().method(r.method().clone()).uri(r.uri().clone());
    if let Some(h) = builder.headers_mut() {
        *h = r.headers().clone();
    }
    builder.body(r.body().clone()).expect("cloned from a valid request")
}

/// A redirect is not followed (see the module docs); the error says where it pointed (its
/// origin only: a path or query may carry anything).
fn redirected(status: u16, headers: &http::HeaderMap) -> Failure {
    let to = headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok())
        .map(|u| format!(" to {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    Failure::judged(
        Some(status),
        ErrorCode::Platform,
        RetryKind::Permanent,
        format!(
            "the homeserver answered with a redirect{to}; Qunguan does not follow redirects \
             (use the address it redirects to as the homeserver)"
        ),
    )
}

fn too_large(status: u16) -> Failure {
    Failure::judged(
        Some(status),
        ErrorCode::Platform,
        RetryKind::Transient,
        format!("the homeserver's answer is larger than {} MiB", MAX_BODY / (1024 * 1024)),
    )
}

async fn execute(
    client: &reqwest::Client,
    request: http::Request<Vec<u8>>,
) -> Result<(u16, http::HeaderMap, Vec<u8>), Failure> {
    let refused = |m: String| Failure::judged(None, ErrorCode::InvalidInput, RetryKind::Permanent, m);
    let request = reqwest::Request::try_from(request).map_err(|e| refused(format!("invalid request: {e}")))?;
    // Before anything is sent: a token or password never leaves in clear text.
    check_url(request.url()).map_err(refused)?;
    let mut response = client.execute(request).await.map_err(|e| Failure::no_answer(describe_transport_error(&e)))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large(status));
    }
    let mut body = Vec::new();
    let cut_off = |e: reqwest::Error| Failure::unreadable(status, describe_transport_error(&e));
    while let Some(chunk) = response.chunk().await.map_err(cut_off)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large(status));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, body))
}

/// A short, secret-free description of why no answer came.
pub fn describe_transport_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else {
        "request failed"
    };
    let url = e.url().map(|u| format!(" to {}", u.origin().ascii_serialization())).unwrap_or_default();
    format!("{what}{url}")
}

/// Classifies an error answer from its status and Matrix error body.
pub fn failure_from(status: u16, _headers: &http::HeaderMap, body: &[u8]) -> Failure {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => Failure {
            status: Some(status),
            errcode: b.errcode,
            message: b.error.unwrap_or_else(|| "no details".into()),
            verdict: None,
        },
        Err(_) => Failure::unreadable(status, "the server's answer is not a Matrix error"),
    }
}

/// How long a 429 asks us to wait: `Retry-After` (seconds) first, then `retry_after_ms`, else 1 s.
pub fn retry_after(status: u16, headers: &http::HeaderMap, body: &[u8]) -> Option<Duration> {
    let limited = status == 429
        || serde_json::from_slice::<ErrorBody>(body).is_ok_and(|b| b.errcode.as_deref() == Some("M_LIMIT_EXCEEDED"));
    if !limited {
        return None;
    }
    let header = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body_ms =
        serde_json::from_slice::<ErrorBody>(body).ok().and_then(|b| b.retry_after_ms).map(Duration::from_millis);
    Some(header.or(body_ms).unwrap_or(Duration::from_secs(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_matrix_errors() {
        let h = http::HeaderMap::new();
        let table: &[(u16, &str, ErrorCode)] = &[
            (
                401,
                r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}"#,
                ErrorCode::AuthInvalidToken,
            ),
            (401, r#"{"errcode":"M_MISSING_TOKEN","error":"Missing access token"}"#, ErrorCode::AuthInvalidToken),
            (403, r#"{"errcode":"M_FORBIDDEN","error":"You don't have permission"}"#, ErrorCode::Forbidden),
            (404, r#"{"errcode":"M_NOT_FOUND","error":"Room not found"}"#, ErrorCode::NotFound),
            (429, r#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":200}"#, ErrorCode::RateLimited),
            (500, r#"{"errcode":"M_UNKNOWN","error":"Internal server error"}"#, ErrorCode::Platform),
            (502, "<html>Bad gateway</html>", ErrorCode::Platform),
        ];
        for (status, body, code) in table {
            let e = failure_from(*status, &h, body.as_bytes()).into_api_error();
            assert_eq!(e.code, *code, "{status} {body}");
            let cause = e.cause::<Failure>().unwrap_or_else(|| panic!("the HTTP failure stays under {e:?}"));
            assert_eq!(cause.status, Some(*status), "the status survives as data, not only as words");
        }
        let e = failure_from(403, &h, br#"{"errcode":"M_FORBIDDEN","error":"no"}"#).into_api_error();
        assert_eq!(e.message, "HTTP 403 M_FORBIDDEN: no", "the words are unchanged by keeping the cause");
        assert_eq!(Failure::no_answer("connection refused").into_api_error().message, "connection refused");
    }

    #[test]
    fn failures_say_whether_a_retry_can_help() {
        let h = http::HeaderMap::new();
        let answered: &[(u16, &str, RetryKind)] = &[
            (429, r#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":200}"#, RetryKind::Transient),
            (500, r#"{"errcode":"M_UNKNOWN","error":"Internal server error"}"#, RetryKind::Transient),
            (502, "<html>Bad gateway</html>", RetryKind::Transient),
            (503, "", RetryKind::Transient),
            (400, r#"{"errcode":"M_BAD_JSON","error":"bad"}"#, RetryKind::Permanent),
            (400, r#"{"errcode":"M_UNKNOWN","error":"Invalid power level"}"#, RetryKind::Permanent),
            (400, "not json", RetryKind::Permanent),
            (404, r#"{"errcode":"M_NOT_FOUND","error":"Unknown room"}"#, RetryKind::Permanent),
            (403, r#"{"errcode":"M_FORBIDDEN","error":"You don't have permission"}"#, RetryKind::Permanent),
            (401, r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}"#, RetryKind::Permanent),
        ];
        for (status, body, want) in answered {
            let f = failure_from(*status, &h, body.as_bytes());
            assert_eq!(f.retry_kind(), *want, "{status} {body}");
            assert_eq!(f.into_api_error().retry_kind(), *want, "the ApiError carries it: {status} {body}");
        }
        let others: &[(Failure, RetryKind)] = &[
            (Failure::no_answer("could not connect"), RetryKind::Network),
            (Failure::unreadable(200, "unexpected answer from the homeserver: not JSON"), RetryKind::Transient),
            (redirected(307, &h), RetryKind::Permanent),
            (too_large(200), RetryKind::Transient),
        ];
        for (f, want) in others {
            assert_eq!(f.clone().into_api_error().retry_kind(), *want, "{f:?}");
        }
        // 400 M_UNKNOWN is a platform error whose code alone would say "transient".
        let e = failure_from(400, &h, br#"{"errcode":"M_UNKNOWN","error":"x"}"#).into_api_error();
        assert_eq!((e.code, e.retry_kind()), (ErrorCode::Platform, RetryKind::Permanent), "{e:?}");
    }

    /// A homeserver answering `/versions` with `size` bytes of JSON whitespace before the list.
    fn padded_versions(size: usize, length: bool) -> crate::testserver::TestServer {
        crate::testserver::TestServer::start(move |_| {
            let mut body = vec![b' '; size];
            body.extend_from_slice(br#"{"versions":["v1.11"]}"#);
            crate::testserver::Answer { status: 200, headers: vec![], body, length }
        })
    }

    async fn ask_versions(server: &crate::testserver::TestServer) -> Result<(), Failure> {
        let client =
            HttpClient::new(reqwest_client(), &server.url(), SupportedVersions::from_parts(&[], &Default::default()));
        client.send(ruma::api::client::discovery::get_supported_versions::Request::new()).await.map(drop)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn oversized_answer_is_a_platform_error() {
        ask_versions(&padded_versions(1024, true)).await.expect("a padded answer under the cap is read");
        for length in [true, false] {
            let err = ask_versions(&padded_versions(MAX_BODY + 1, length)).await.unwrap_err().into_api_error();
            assert_eq!(err.code, ErrorCode::Platform, "an answer past the cap is refused (Content-Length: {length})");
            assert!(
                err.message.contains("larger than 16 MiB"),
                "the error says the answer was too large: {}",
                err.message
            );
        }
    }

    #[tokio::test]
    async fn plain_http_to_another_machine_is_never_sent() {
        // A documentation address: were it contacted, this would be a connect error or a timeout.
        let versions = SupportedVersions::from_parts(&["v1.11".to_owned()], &Default::default());
        let client = HttpClient::new(reqwest_client(), "http://192.0.2.1:8008", versions).with_token("secret-token");
        let started = std::time::Instant::now();
        let f = client.send(ruma::api::client::account::whoami::v3::Request::new()).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "refused before connecting, not after a timeout");
        let e = f.into_api_error();
        assert_eq!((e.code, e.retry_kind()), (ErrorCode::InvalidInput, RetryKind::Permanent), "{e:?}");
        assert!(e.message.contains("http://192.0.2.1:8008") && !e.message.contains("secret-token"), "{}", e.message);
    }

    #[test]
    fn no_answer_means_unreachable() {
        let f = Failure::no_answer("could not connect");
        assert_eq!(
            f.into_api_error().code,
            ErrorCode::HomeserverUnreachable,
            "no answer should mean the homeserver is unreachable"
        );
    }

    #[test]
    fn retry_after_prefers_header_then_body() {
        let mut h = http::HeaderMap::new();
        let body = br#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":250}"#;
        assert_eq!(
            retry_after(429, &h, body),
            Some(Duration::from_millis(250)),
            "the body's retry_after_ms should be used without a header"
        );
        h.insert(http::header::RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(
            retry_after(429, &h, body),
            Some(Duration::from_secs(2)),
            "the Retry-After header should win over the body"
        );
        assert_eq!(
            retry_after(429, &http::HeaderMap::new(), b"not json"),
            Some(Duration::from_secs(1)),
            "an unreadable 429 should wait a second"
        );
        assert_eq!(retry_after(403, &http::HeaderMap::new(), b"{}"), None, "only 429s are retried");
    }
}
