//! One generated CSV record at a time: the cells in one buffer with their boundaries, and the
//! ways an export writes a missing or messy value.

use std::fmt::Write as _;

use super::rng::Rng;

pub(super) struct Cells {
    pub(super) buf: String,
    pub(super) ends: Vec<usize>,
}

#[derive(Clone, Copy)]
pub(super) enum Miss {
    /// Picklist: mostly `Select`.
    Pick,
    /// Number: mostly empty.
    Num,
    /// Free text: mostly empty.
    Text,
}

impl Cells {
    pub(super) fn new() -> Self {
        Cells {
            buf: String::with_capacity(1024),
            ends: Vec::with_capacity(32),
        }
    }

    pub(super) fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }

    pub(super) fn end(&mut self) {
        self.ends.push(self.buf.len());
    }

    pub(super) fn text(&mut self, s: &str) {
        self.buf.push_str(s);
        self.end();
    }

    pub(super) fn missing(&mut self, r: &mut Rng, kind: Miss) {
        let token = match kind {
            Miss::Pick => r.weighted(&[("Select", 60), ("", 30), ("N/A", 10)], ""),
            Miss::Num => r.weighted(&[("", 70), ("-", 15), ("N/A", 15)], ""),
            Miss::Text => r.weighted(&[("", 80), ("-", 10), ("N/A", 10)], ""),
        };
        self.text(token);
    }

    /// A text value with probability `space` of stray surrounding whitespace, or a missing token.
    pub(super) fn opt(&mut self, r: &mut Rng, value: Option<&str>, kind: Miss, space: f64) {
        match value {
            Some(v) => self.spaced(r, v, space),
            None => self.missing(r, kind),
        }
    }

    pub(super) fn spaced(&mut self, r: &mut Rng, v: &str, space: f64) {
        if space > 0.0 && r.chance(space) {
            match r.below(3) {
                0 => {
                    self.buf.push(' ');
                    self.buf.push_str(v);
                }
                1 => {
                    self.buf.push_str(v);
                    self.buf.push(' ');
                }
                _ => {
                    self.buf.push_str("  ");
                    self.buf.push_str(v);
                    self.buf.push(' ');
                }
            }
        } else {
            self.buf.push_str(v);
        }
        self.end();
    }

    pub(super) fn number(&mut self, r: &mut Rng, value: Option<u64>) {
        match value {
            Some(n) => {
                let _ = write!(self.buf, "{n}");
                self.end();
            }
            None => self.missing(r, Miss::Num),
        }
    }

    /// `value` in hundredths, written with two decimals (`0.83`).
    pub(super) fn cents(&mut self, r: &mut Rng, value: Option<u64>) {
        match value {
            Some(n) => {
                let _ = write!(self.buf, "{}.{:02}", n / 100, n % 100);
                self.end();
            }
            None => self.missing(r, Miss::Num),
        }
    }

    /// `value` in tenths, written with one decimal (`12.5`).
    pub(super) fn tenths(&mut self, r: &mut Rng, value: Option<u64>) {
        match value {
            Some(n) => {
                let _ = write!(self.buf, "{}.{}", n / 10, n % 10);
                self.end();
            }
            None => self.missing(r, Miss::Num),
        }
    }

    /// A job title, a few in odd capitalisation as people type them.
    pub(super) fn title(&mut self, r: &mut Rng, title: Option<&str>) {
        let Some(t) = title else {
            self.missing(r, Miss::Text);
            return;
        };
        match r.weighted(&[(0u8, 950), (1, 20), (2, 15), (3, 15)], 0) {
            1 => {
                for ch in t.chars() {
                    self.buf.extend(ch.to_lowercase());
                }
            }
            2 => {
                for ch in t.chars() {
                    self.buf.extend(ch.to_uppercase());
                }
            }
            3 => {
                let mut start = true;
                for ch in t.chars() {
                    if start {
                        self.buf.extend(ch.to_uppercase());
                    } else {
                        self.buf.extend(ch.to_lowercase());
                    }
                    start = !ch.is_alphanumeric();
                }
            }
            _ => {
                if r.chance(0.02) {
                    self.buf.push(' ');
                }
                self.buf.push_str(t);
            }
        }
        self.end();
    }

    pub(super) fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let bytes = self.buf.as_bytes();
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let field = bytes.get(start..e).unwrap_or(&[]);
            start = e;
            field
        })
    }
}
