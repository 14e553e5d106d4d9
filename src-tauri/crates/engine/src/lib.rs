//! qunguan-engine
