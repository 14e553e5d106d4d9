//! qunguan-store
