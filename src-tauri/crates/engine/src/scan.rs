//! `qg scan`: the detection engine over a JSONL document, as one engine call.

use qunguan_core::{ApiError, ErrorCode, Result};
pub use qunguan_detect::scan::ScanLine;

/// Scans `input` (JSONL, named `input_name` in errors) with the built-in lexicons plus an
/// optional `(file name, contents)` TSV lexicon. All or nothing: a malformed line anywhere is
/// an `invalid_file` error naming the file and line, and no result is returned.
pub fn scan(input: &str, input_name: &str, extra_lexicon: Option<(&str, &str)>) -> Result<Vec<ScanLine>> {
    qunguan_detect::scan::scan_lines(input, input_name, extra_lexicon)
        .map_err(|e| ApiError::new(ErrorCode::InvalidFile, e.to_string()))
}
