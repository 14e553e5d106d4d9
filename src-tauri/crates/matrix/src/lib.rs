//! qunguan-matrix
