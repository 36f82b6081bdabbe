//! Text for people, shared by the reports, the charts and the command line: grouped digits,
//! the report templates' HTML escaping, SVG inlining.

/// `12345` → `12,345`.
pub fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The HTML escaper of the report templates (named in `askama.toml`): `&`, `<`, `>` and `"` as
/// named entities, which is what element text and double-quoted attributes need.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, s: &str) -> std::fmt::Result {
        let mut last = 0;
        for (i, b) in s.bytes().enumerate() {
            let entity = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => continue,
            };
            dest.write_str(&s[last..i])?;
            dest.write_str(entity)?;
            last = i + 1;
        }
        dest.write_str(&s[last..])
    }
}

/// An SVG document without its XML declaration, to inline in HTML.
pub fn strip_xml_decl(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_group_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(15000), "15,000");
        assert_eq!(group_digits(1234567), "1,234,567");
        let mut escaped = String::new();
        let _ = askama::filters::Escaper::write_escaped_str(&Html, &mut escaped, "<a & \"b\"> é");
        assert_eq!(escaped, "&lt;a &amp; &quot;b&quot;&gt; é");
        assert_eq!(strip_xml_decl("<?xml version=\"1.0\"?>\n<svg/>"), "<svg/>");
    }
}
