//! A string that must never reach a log: passwords, access tokens, cache keys.
//!
//! Its memory is wiped when it is dropped (`zeroize`: volatile writes the optimiser cannot
//! remove), so a token does not linger in freed heap pages, a core dump or swap after use.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Wraps a secret so that `Debug` and `Display` print `<redacted>`, and wipes it on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Takes ownership of the value; from here on only [`Secret::expose`] reads it.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The only way to read the value: grep for `expose` to audit every use.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (an unset token), without exposing it.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Zeroize for Secret {
    /// Overwrites the whole buffer (its spare capacity too) with zeros and empties it.
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("syt_very_secret");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(s.expose(), "syt_very_secret");
    }

    #[test]
    fn secrets_are_zeroized_on_drop() {
        // Drop wipes through `zeroize()` (the Drop impl above calls nothing else), so check
        // what `zeroize()` leaves in the buffer while it is still allocated: reading it after
        // the drop would read freed memory.
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();
        let mut s = Secret::new(String::with_capacity(64));
        s.0.push_str("syt_very_secret_token");
        let (ptr, cap) = (s.0.as_ptr(), s.0.capacity());
        s.zeroize();
        assert!(s.is_empty(), "nothing left to expose");
        assert_eq!((s.0.as_ptr(), s.0.capacity()), (ptr, cap), "the same buffer, still owned by `s`");
        // SAFETY: `s` still owns this allocation of `cap` bytes, all of which `zeroize`
        // initialised (it writes zeros over the spare capacity too); nothing writes it meanwhile.
        let bytes = unsafe { std::slice::from_raw_parts(ptr, cap) };
        assert!(bytes.iter().all(|&b| b == 0), "every byte of the token's buffer is zero: {bytes:?}");
    }
}
