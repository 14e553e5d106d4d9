//! qunguan-detect
