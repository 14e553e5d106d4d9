//! Matrix identifiers checked with ruma's parsers, for the engine's "check before recording"
//! (through `Connector::check_id`) and for IDs in the admin API's answers.
//!
//! ruma accepts historical user IDs (a localpart with characters the current grammar forbids,
//! which real servers still have) and is lenient beyond that (spaces, control characters), so
//! the historical grammar is checked here on top, and the server-name part is parsed on its
//! own: a typo like `@a:bad_host!` is refused here and not at send time, after it was recorded.

use qunguan_core::platform::IdKind;
use qunguan_core::{ApiError, Result};
use ruma::{EventId, RoomId, RoomOrAliasId, ServerName, UserId};

/// `Ok` when `value` is a well-formed identifier of `kind`; else `invalid_input` naming it.
pub fn check_id(kind: IdKind, value: &str) -> Result<()> {
    let refused = |why: String| ApiError::invalid_input(format!("“{value}” is not a valid {}: {why}", kind.describe()));
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refused("it contains spaces or control characters".into()));
    }
    match kind {
        IdKind::User => {
            let user = UserId::parse(value).map_err(|e| refused(e.to_string()))?;
            // The historical grammar ruma is lenient about: printable ASCII, at least one.
            let local = user.localpart();
            if local.is_empty() || !local.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
                return Err(refused("the name before the colon must be printable ASCII without spaces".into()));
            }
            ServerName::parse(user.server_name().as_str()).map_err(|e| refused(e.to_string()))?;
        }
        IdKind::Room => drop(RoomId::parse(value).map_err(|e| refused(e.to_string()))?),
        IdKind::RoomOrAlias => drop(RoomOrAliasId::parse(value).map_err(|e| refused(e.to_string()))?),
        IdKind::Event => drop(EventId::parse(value).map_err(|e| refused(e.to_string()))?),
    }
    Ok(())
}

/// Is `value` a well-formed user ID (see [`check_id`])?
pub fn is_user_id(value: &str) -> bool {
    check_id(IdKind::User, value).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_ids_are_refused_with_what_they_should_be() {
        for bad in
            ["@a:bad_host!", "@a:", "a:hs", "@a b:hs", "@:hs", "", " @a:hs", "@a:hs\n", "@a\u{1b}[31m:hs", "@张:hs"]
        {
            let e = check_id(IdKind::User, bad).expect_err(bad);
            assert_eq!(e.code, qunguan_core::ErrorCode::InvalidInput, "{bad:?}");
            assert!(e.message.contains("user ID"), "the message names the kind: {}", e.message);
        }
        for good in ["@a:hs", "@zhao0001:localhost", "@alice:example.org:8448", "@Old.Style:hs", "@a:[::1]:8008"] {
            check_id(IdKind::User, good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        assert!(
            check_id(IdKind::Room, "!abc:hs").is_ok() && check_id(IdKind::Room, "!opaque12").is_ok(),
            "room IDs with and without a server name should be accepted"
        );
        assert!(check_id(IdKind::Room, "#tech:hs").is_err(), "an alias is not a room ID");
        assert!(
            check_id(IdKind::RoomOrAlias, "#tech:localhost").is_ok(),
            "an alias with a server name should be a room or alias"
        );
        assert!(
            check_id(IdKind::RoomOrAlias, "#tech:bad_host!").is_err(),
            "an alias with a bad server name should be refused"
        );
        assert!(check_id(IdKind::RoomOrAlias, "tech").is_err(), "a bare name should be neither room nor alias");
        assert!(
            check_id(IdKind::Event, "$abc123").is_ok() && check_id(IdKind::Event, "$abc:hs").is_ok(),
            "event IDs of every room version should be accepted"
        );
        assert!(
            check_id(IdKind::Event, "abc").is_err() && check_id(IdKind::Event, "@a:hs").is_err(),
            "what does not start with $ should not be an event ID"
        );
    }
}
