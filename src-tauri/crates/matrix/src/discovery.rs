//! From what the user typed (a URL or a bare server name) to a homeserver's client API base URL.
//!
//! A bare name goes through `.well-known/matrix/client` first (as the spec's discovery says);
//! a URL is used as given and only falls back to its `.well-known` when it is not itself a
//! client API. Every candidate must answer `/_matrix/client/versions` with a version list,
//! so a web server that is not Matrix is told apart from one that cannot be reached.
//!
//! Only `https` addresses are used, or `http` to this machine (see [`crate::http::check_url`]):
//! what the user typed is checked before anything is sent, and so is the base URL a
//! `.well-known` answer names, before it is contacted.

use qunguan_core::{ApiError, ErrorCode};
use ruma::api::SupportedVersions;
use ruma::api::client::discovery::{discover_homeserver, get_supported_versions};

use crate::http::{HttpClient, check_url, well_known_client};

/// A homeserver that answered as one.
#[derive(Debug, Clone)]
pub struct Homeserver {
    /// The client API base URL, without a trailing `/`.
    pub base_url: String,
    /// The spec versions and features it announced.
    pub versions: SupportedVersions,
}

/// Turns user input into a candidate base URL, or says what is wrong with it.
pub fn parse_input(input: &str) -> Result<(String, bool), ApiError> {
    let input = input.trim().trim_end_matches('/');
    if input.is_empty() {
        return Err(ApiError::invalid_input("the homeserver is empty"));
    }
    if input.starts_with("http://") || input.starts_with("https://") {
        let url = url::Url::parse(input)
            .map_err(|e| ApiError::invalid_input(format!("the homeserver URL is not valid: {e}")))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(ApiError::invalid_input("the homeserver URL has no host"));
        }
        check_url(&url).map_err(ApiError::invalid_input)?;
        return Ok((input.to_owned(), true));
    }
    if !is_server_name(input) {
        return Err(ApiError::invalid_input(format!("“{input}” is neither a URL nor a server name")));
    }
    Ok((format!("https://{input}"), false))
}

/// `host` or `host:port`, the host made of letters, digits, dots and dashes.
fn is_server_name(s: &str) -> bool {
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    let host_ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// Finds the homeserver behind `input`.
pub async fn resolve(http: &reqwest::Client, input: &str) -> Result<Homeserver, ApiError> {
    let (candidate, is_url) = parse_input(input)?;
    let no_versions = || SupportedVersions::from_parts(&[], &Default::default());
    let probe = |base: &str| HttpClient::new(http.clone(), base, no_versions());
    let well_known_client = well_known_client();
    let well_known = |base: &str| HttpClient::new(well_known_client.clone(), base, no_versions());

    if !is_url && let Ok(wk) = well_known(&candidate).send(discover_homeserver::Request::new()).await {
        let base = pointed_at(&candidate, &wk.homeserver.base_url)?;
        if let Ok(hs) = versions(&probe(&base), &base).await {
            return Ok(hs);
        }
    }
    match versions(&probe(&candidate), &candidate).await {
        Ok(hs) => Ok(hs),
        Err(e) if is_url && e.code == ErrorCode::NotAHomeserver => {
            // Maybe the URL is the server name's web site, which points at the real homeserver.
            let wk = well_known(&candidate).send(discover_homeserver::Request::new()).await.map_err(|_| e.clone())?;
            let base = pointed_at(&candidate, &wk.homeserver.base_url)?;
            versions(&probe(&base), &base).await.map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// The base URL a `.well-known` answer names, checked before it is contacted: a valid URL,
/// `https` unless it is on this machine.
fn pointed_at(site: &str, base_url: &str) -> Result<String, ApiError> {
    let base = base_url.trim().trim_end_matches('/');
    let url = url::Url::parse(base)
        .map_err(|_| not_a_homeserver(site, &format!("its .well-known names “{base}”, which is not a URL")))?;
    check_url(&url).map_err(|why| not_a_homeserver(site, &format!("its .well-known points at {base}: {why}")))?;
    Ok(base.to_owned())
}

async fn versions(client: &HttpClient, base: &str) -> Result<Homeserver, ApiError> {
    match client.send(get_supported_versions::Request::new()).await {
        Ok(r) if !r.versions.is_empty() => Ok(Homeserver {
            base_url: base.to_owned(),
            versions: SupportedVersions::from_parts(&r.versions, &r.unstable_features),
        }),
        Ok(_) => Err(not_a_homeserver(base, "it lists no Matrix versions")),
        Err(f) if f.status.is_none() => {
            Err(ApiError::new(ErrorCode::HomeserverUnreachable, format!("{base}: {}", f.message)))
        }
        Err(f) => Err(not_a_homeserver(
            base,
            &f.status.map(|s| format!("HTTP {s} from the Matrix versions endpoint")).unwrap_or(f.message),
        )),
    }
}

fn not_a_homeserver(base: &str, why: &str) -> ApiError {
    ApiError::new(ErrorCode::NotAHomeserver, format!("{base} is not a Matrix homeserver: {why}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::http::reqwest_client;
    use crate::testserver::{Answer, TestServer, versions};

    #[test]
    fn parses_urls_and_server_names() {
        let ok: &[(&str, &str, bool)] = &[
            ("http://127.0.0.1:8008", "http://127.0.0.1:8008", true),
            (" https://matrix.example.org/ ", "https://matrix.example.org", true),
            ("example.org", "https://example.org", false),
            ("example.org:8448", "https://example.org:8448", false),
        ];
        for (input, base, is_url) in ok {
            assert_eq!(parse_input(input).unwrap(), (base.to_string(), *is_url), "{input}");
        }
        for bad in ["", "   ", "exa mple.org", "ftp://x", "http://", "例子.中国/../", "http:", "host:", "a:b:c"] {
            assert_eq!(parse_input(bad).unwrap_err().code, ErrorCode::InvalidInput, "{bad:?}");
        }
    }

    /// A web site that is not a homeserver itself, whose `.well-known` names `base_url`.
    fn site_pointing_at(base_url: String) -> TestServer {
        TestServer::start(move |r| {
            if r.path.contains("/.well-known/matrix/client") {
                Answer::json(200, &json!({"m.homeserver": {"base_url": base_url}}))
            } else {
                Answer::json(404, &json!({"errcode": "M_UNRECOGNIZED", "error": "not here"}))
            }
        })
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn plain_http_is_refused_except_on_loopback() {
        for ok in [
            "http://127.0.0.1:8008",
            "http://127.3.4.5",
            "http://localhost:8008",
            "http://[::1]:8008",
            "https://example.org",
        ] {
            assert!(parse_input(ok).is_ok(), "{ok} is allowed");
        }
        for bad in ["http://example.org", "http://10.0.0.8:8008", "http://[2001:db8::1]"] {
            let e = parse_input(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput, "{bad} is refused as typed: {e:?}");
            assert!(e.message.contains(bad) && e.message.contains("https"), "the error names the URL: {e:?}");
        }

        // A .well-known pointing at plain http elsewhere is refused before it is contacted.
        let site = site_pointing_at("http://example.org".into());
        let e = resolve(&reqwest_client(), &site.url()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::NotAHomeserver, "{e:?}");
        assert!(e.message.contains("points at http://example.org"), "the error names where it pointed: {e:?}");

        // One pointing at plain http on this machine is followed.
        let homeserver = TestServer::start(|_| versions());
        let site = site_pointing_at(homeserver.url());
        let hs = resolve(&reqwest_client(), &site.url()).await.expect("loopback http is followed");
        assert_eq!(hs.base_url, homeserver.url());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn well_known_follows_redirects_within_its_origin_only() {
        let homeserver = TestServer::start(|_| versions());
        let base = homeserver.url();
        // The site moved its .well-known to another path of its own: followed.
        let site = TestServer::start(move |r| match r.path.as_str() {
            "/.well-known/matrix/client" => Answer::json(302, &json!({})).header("Location", "/moved"),
            "/moved" => Answer::json(200, &json!({"m.homeserver": {"base_url": base}})),
            _ => Answer::json(404, &json!({"errcode": "M_UNRECOGNIZED", "error": "not here"})),
        });
        let hs = resolve(&reqwest_client(), &site.url()).await.expect("a same-origin redirect is followed");
        assert_eq!(hs.base_url, homeserver.url());

        // To another server (another port is another origin): not followed, nothing reaches it.
        let elsewhere = site_pointing_at(homeserver.url());
        let to = format!("{}/.well-known/matrix/client", elsewhere.url());
        let site = TestServer::start(move |r| {
            if r.path.contains("/.well-known/matrix/client") {
                Answer::json(302, &json!({})).header("Location", &to)
            } else {
                Answer::json(404, &json!({"errcode": "M_UNRECOGNIZED", "error": "not here"}))
            }
        });
        let e = resolve(&reqwest_client(), &site.url()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::NotAHomeserver, "{e:?}");
        assert_eq!(elsewhere.connections(), 0, "a redirect to another origin is not followed");
    }
}
