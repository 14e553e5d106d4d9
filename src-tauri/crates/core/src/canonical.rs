//! RFC 8785 JSON Canonicalization Scheme (JCS), for what the case log hashes.
//!
//! A hash is only checkable by someone else if both sides serialise the record to the same
//! bytes. JCS fixes those bytes: no whitespace, object members sorted by the UTF-16 code units
//! of their names, strings escaped as ECMAScript's `JSON.stringify` does (only `"`, `\` and the
//! C0 controls; `\b \t \n \f \r` short, the rest `\u00xx` in lower case; everything else,
//! including non-ASCII, as UTF-8), numbers in ECMAScript's shortest form.
//!
//! Case records hold strings, nulls, objects and small integers only, so numbers here are
//! limited to integers (exactly what ECMAScript prints for them); a non-integer number is
//! refused rather than printed in a form another implementation might not share.

use serde_json::Value;

/// A value JCS could serialise but this implementation will not (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not canonicalisable here: {0}")]
pub struct NotCanonical(String);

/// The RFC 8785 serialisation of `value`.
pub fn to_string(value: &Value) -> Result<String, NotCanonical> {
    let mut out = String::new();
    write(value, &mut out)?;
    Ok(out)
}

fn write(value: &Value, out: &mut String) -> Result<(), NotCanonical> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            // ECMAScript prints integers exactly only up to 2^53.
            (Some(i), _) if i.unsigned_abs() <= 1 << 53 => out.push_str(&i.to_string()),
            (_, Some(u)) if u <= 1 << 53 => out.push_str(&u.to_string()),
            _ => return Err(NotCanonical(format!("the number {n}"))),
        },
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(key, out);
                out.push(':');
                write(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_sort_by_utf16_code_units_as_rfc_8785_shows() {
        // RFC 8785 section 3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33,
        // although its code point is larger.
        let v = json!({
            "\u{20ac}": "Euro Sign", "\r": "Carriage Return", "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One", "\u{1f600}": "Emoji: Grinning Face", "\u{80}": "Control",
            "\u{f6}": "Latin Small Letter O With Diaeresis"
        });
        let want = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
                    \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
                    \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(to_string(&v).unwrap(), want);
    }

    #[test]
    fn strings_escape_only_what_ecmascript_escapes() {
        let table = [
            ("plain", r#""plain""#),
            ("q\"b\\s/", r#""q\"b\\s/""#),
            ("\u{8}\t\n\u{c}\r", r#""\b\t\n\f\r""#),
            ("\u{0}\u{1f}", r#""\u0000\u001f""#),
            ("\u{7f}\u{2028}中文😀", "\"\u{7f}\u{2028}中文😀\""),
        ];
        for (input, want) in table {
            assert_eq!(to_string(&json!(input)).unwrap(), want, "{input:?}");
        }
    }

    #[test]
    fn no_whitespace_and_integers_only() {
        let v = json!({"b": [1, null, true, {"z": false, "a": -3}], "a": "x", "n": 9007199254740992u64});
        assert_eq!(to_string(&v).unwrap(), r#"{"a":"x","b":[1,null,true,{"a":-3,"z":false}],"n":9007199254740992}"#);
        assert!(to_string(&json!(1.5)).is_err(), "floats are refused, not guessed at");
        assert!(to_string(&json!(u64::MAX)).is_err(), "beyond 2^53 ECMAScript would round");
    }
}
