//! qunguan-testkit
