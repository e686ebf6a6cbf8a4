//! JSON lines in the layout people read: `{"frame": 1, "mac": {"type": "data"}}`.
//!
//! serde_json's compact form omits the spaces after `:` and `,`; its pretty
//! form spreads over many lines. This formatter keeps one line per value
//! with one space after each separator, like Python's `json.dumps`.

use serde_json::Value;
use serde_json::ser::Formatter;
use std::io;

struct Spaced;

impl Formatter for Spaced {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// Writes `v` on one line, followed by a newline.
///
/// ```
/// let mut out = Vec::new();
/// sixlo_sim::json::write_line(&mut out, &serde_json::json!({"frame": 1, "error": "truncated"})).unwrap();
/// assert_eq!(out, b"{\"frame\": 1, \"error\": \"truncated\"}\n");
/// ```
pub fn write_line<W: io::Write>(w: &mut W, v: &Value) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *w, Spaced);
    serde::Serialize::serialize(v, &mut ser).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn spacing() {
        let mut out = Vec::new();
        super::write_line(&mut out, &serde_json::json!({"frame": 1, "mac": {"a": [1, 2], "b": null}}))
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"frame\": 1, \"mac\": {\"a\": [1, 2], \"b\": null}}\n"
        );
    }
}
