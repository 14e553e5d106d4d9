//! Signing in to a Matrix homeserver (password or access token) and opening a platform connection.

use std::sync::Arc;

use async_trait::async_trait;
use qunguan_core::platform::{Connector, IdKind, Platform, SignedIn};
use qunguan_core::{Account, ApiError, ErrorCode, Secret};
use ruma::api::client::account::whoami;
use ruma::api::client::session::login::v3 as login;
use ruma::api::client::uiaa::{MatrixUserIdentifier, UserIdentifier};

use crate::discovery;
use crate::http::{Failure, HttpClient, reqwest_client};
use crate::platform::MatrixPlatform;

/// The device name a sign-in registers, as shown in the user's session list.
const DEVICE_NAME: &str = "Qunguan moderation console";

/// The Matrix [`Connector`]: signs in and opens [`MatrixPlatform`]s.
pub struct MatrixConnector {
    http: reqwest::Client,
}

impl Default for MatrixConnector {
    fn default() -> Self {
        Self { http: reqwest_client() }
    }
}

/// Login failures: a refused login means wrong credentials, not a missing permission.
fn login_failure(f: Failure) -> ApiError {
    match f.errcode.as_deref() {
        Some("M_FORBIDDEN" | "M_INVALID_USERNAME" | "M_USER_DEACTIVATED") => ApiError::new(
            ErrorCode::AuthInvalidCredentials,
            format!("the homeserver refused the sign-in: {}", f.message),
        ),
        _ => f.into_api_error(),
    }
}

fn check_user(user: &str) -> Result<&str, ApiError> {
    let user = user.trim();
    if user.is_empty() || user == "@" {
        return Err(ApiError::invalid_input("the user name is empty"));
    }
    if user.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid_input("a user name cannot contain spaces"));
    }
    Ok(user)
}

#[async_trait]
impl Connector for MatrixConnector {
    fn check_id(&self, kind: IdKind, value: &str) -> Result<(), ApiError> {
        crate::ids::check_id(kind, value)
    }

    async fn login_password(&self, homeserver: &str, user: &str, password: &Secret) -> Result<SignedIn, ApiError> {
        let user = check_user(user)?;
        if password.is_empty() {
            return Err(ApiError::invalid_input("the password is empty"));
        }
        let hs = discovery::resolve(&self.http, homeserver).await?;
        let client = HttpClient::new(self.http.clone(), &hs.base_url, hs.versions);
        let identifier = UserIdentifier::Matrix(MatrixUserIdentifier::new(user.to_owned()));
        let mut request = login::Request::new(login::LoginInfo::Password(login::Password::new(
            identifier,
            password.expose().to_owned(),
        )));
        request.initial_device_display_name = Some(DEVICE_NAME.to_owned());
        let response = client.send(request).await.map_err(login_failure)?;
        Ok(SignedIn {
            account: Account {
                homeserver: hs.base_url,
                user_id: response.user_id.to_string(),
                device_id: Some(response.device_id.to_string()),
            },
            access_token: Secret::new(response.access_token),
        })
    }

    async fn login_token(&self, homeserver: &str, token: &Secret) -> Result<SignedIn, ApiError> {
        let token_str = token.expose().trim();
        if token_str.is_empty() {
            return Err(ApiError::invalid_input("the access token is empty"));
        }
        let hs = discovery::resolve(&self.http, homeserver).await?;
        let client = HttpClient::new(self.http.clone(), &hs.base_url, hs.versions).with_token(token_str);
        let me = client.send(whoami::v3::Request::new()).await.map_err(Failure::into_api_error)?;
        Ok(SignedIn {
            account: Account {
                homeserver: hs.base_url,
                user_id: me.user_id.to_string(),
                device_id: me.device_id.map(|d| d.to_string()),
            },
            access_token: Secret::new(token_str),
        })
    }

    fn open(&self, signed_in: SignedIn) -> Arc<dyn Platform> {
        Arc::new(MatrixPlatform::new(self.http.clone(), signed_in))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testserver::{Answer, TestServer, versions};

    #[test]
    fn refused_login_is_invalid_credentials() {
        let f = Failure {
            status: Some(403),
            errcode: Some("M_FORBIDDEN".into()),
            message: "Invalid username or password".into(),
            verdict: None,
        };
        assert_eq!(
            login_failure(f).code,
            ErrorCode::AuthInvalidCredentials,
            "a refused login should be invalid credentials"
        );
        let f = Failure::unreadable(502, "bad gateway");
        assert_eq!(
            login_failure(f).code,
            ErrorCode::Platform,
            "an unreadable login answer should be a platform error, not bad credentials"
        );
    }

    #[test]
    fn user_names_are_checked_before_any_request() {
        for bad in ["", "  ", "@", "al ice"] {
            assert_eq!(check_user(bad).unwrap_err().code, ErrorCode::InvalidInput, "{bad:?}");
        }
        assert_eq!(check_user(" @alice:hs ").unwrap(), "@alice:hs");
    }

    // Regression (9899a0b): a 307 on the login re-sent the password to the server it pointed at.
    #[tokio::test(flavor = "multi_thread")]
    async fn regression_a_redirected_login_sent_the_password_to_another_server() {
        let second = TestServer::start(|_| {
            Answer::json(200, &json!({"user_id": "@alice:hs", "access_token": "stolen", "device_id": "D"}))
        });
        let elsewhere = format!("{}/_matrix/client/v3/login", second.url());
        let first = TestServer::start(move |r| {
            if r.path.contains("/login") {
                Answer::json(307, &json!({})).header("Location", &elsewhere)
            } else {
                versions()
            }
        });
        let password = Secret::new("correct horse battery staple");
        let result = MatrixConnector::default().login_password(&first.url(), "@alice:hs", &password).await;
        assert_eq!(second.connections(), 0, "the server a login is redirected to must receive nothing");
        assert!(
            first.seen().iter().any(|r| r.method == "POST"
                && r.path.contains("/login")
                && String::from_utf8_lossy(&r.body).contains("horse")),
            "the login (with the password) was sent to the homeserver signed in to"
        );
        let err = result.expect_err("a redirected login must fail");
        assert_eq!(err.code, ErrorCode::Platform, "{err:?}");
        assert!(err.message.contains("redirect") && err.message.contains(&second.url()), "names the redirect: {err:?}");
        assert!(!err.message.contains("horse"), "the error never carries the password: {err:?}");
    }
}
