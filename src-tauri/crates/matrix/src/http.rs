//! Sending typed ruma requests over reqwest, with 429 handling and error classification.

use std::borrow::Cow;
use std::time::Duration;

use qunguan_core::{ApiError, ErrorCode};
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

/// Supplies the authentication input of each ruma auth scheme from an optional token.
pub trait AuthInput: AuthScheme {
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
    pub errcode: Option<String>,
    pub message: String,
}

impl Failure {
    /// The default classification; callers with more context (login) refine it first.
    pub fn into_api_error(self) -> ApiError {
        let code = match (self.status, self.errcode.as_deref()) {
            (None, _) => ErrorCode::HomeserverUnreachable,
            (_, Some("M_UNKNOWN_TOKEN" | "M_MISSING_TOKEN")) | (Some(401), _) => ErrorCode::AuthInvalidToken,
            (_, Some("M_FORBIDDEN")) | (Some(403), _) => ErrorCode::Forbidden,
            (_, Some("M_LIMIT_EXCEEDED")) | (Some(429), _) => ErrorCode::RateLimited,
            (_, Some("M_NOT_FOUND")) | (Some(404), _) => ErrorCode::NotFound,
            (_, Some("M_INVALID_PARAM" | "M_BAD_JSON" | "M_NOT_JSON")) => ErrorCode::InvalidInput,
            _ => ErrorCode::Platform,
        };
        let status = self.status.map(|s| format!("HTTP {s}")).unwrap_or_default();
        let errcode = self.errcode.unwrap_or_default();
        let prefix = [status, errcode].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
        let message = if prefix.is_empty() { self.message } else { format!("{prefix}: {}", self.message) };
        ApiError::new(code, message)
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

/// The shared reqwest client: bounded connect and request times, no redirects to other hosts' surprises.
pub fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("qunguan/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a TLS backend is compiled in")
}

impl HttpClient {
    pub fn new(http: reqwest::Client, base_url: &str, versions: SupportedVersions) -> Self {
        Self { http, base_url: base_url.trim_end_matches('/').to_owned(), token: None, versions }
    }

    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

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
            .map_err(|e| Failure { status: None, errcode: None, message: format!("could not build request: {e}") })?;
        let (status, headers, body) = self.execute_with_retry(http_request).await?;
        let mut builder = http::Response::builder().status(status);
        if let Some(h) = builder.headers_mut() {
            *h = headers;
        }
        let response = builder.body(body.as_slice()).expect("status and headers came from a response");
        R::IncomingResponse::try_from_http_response(response).map_err(|e| Failure {
            status: Some(status),
            errcode: None,
            message: format!("unexpected answer from the homeserver: {e}"),
        })
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
        let invalid = |e: &dyn std::fmt::Display| Failure {
            status: None,
            errcode: None,
            message: format!("could not build request: {e}"),
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
        serde_json::from_slice(&body).map_err(|_| Failure {
            status: Some(status),
            errcode: None,
            message: "unexpected answer from the homeserver: not JSON".into(),
        })
    }

    async fn execute_with_retry(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(u16, http::HeaderMap, Vec<u8>), Failure> {
        let mut attempt = 1;
        loop {
            let (status, headers, body) = execute(&self.http, clone_request(&request)).await?;
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

async fn execute(
    client: &reqwest::Client,
    request: http::Request<Vec<u8>>,
) -> Result<(u16, http::HeaderMap, Vec<u8>), Failure> {
    let request = reqwest::Request::try_from(request).map_err(|e| Failure {
        status: None,
        errcode: None,
        message: format!("invalid request: {e}"),
    })?;
    let response = client.execute(request).await.map_err(|e| Failure {
        status: None,
        errcode: None,
        message: describe_transport_error(&e),
    })?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|e| Failure {
        status: Some(status),
        errcode: None,
        message: describe_transport_error(&e),
    })?;
    Ok((status, headers, body.to_vec()))
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
        },
        Err(_) => {
            Failure { status: Some(status), errcode: None, message: "the server's answer is not a Matrix error".into() }
        }
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
        }
    }

    #[test]
    fn no_answer_means_unreachable() {
        let f = Failure { status: None, errcode: None, message: "could not connect".into() };
        assert_eq!(f.into_api_error().code, ErrorCode::HomeserverUnreachable);
    }

    #[test]
    fn retry_after_prefers_header_then_body() {
        let mut h = http::HeaderMap::new();
        let body = br#"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":250}"#;
        assert_eq!(retry_after(429, &h, body), Some(Duration::from_millis(250)));
        h.insert(http::header::RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(429, &h, body), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(429, &http::HeaderMap::new(), b"not json"), Some(Duration::from_secs(1)));
        assert_eq!(retry_after(403, &http::HeaderMap::new(), b"{}"), None, "only 429s are retried");
    }
}
