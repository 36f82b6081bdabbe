//! Small value makers of the lead model: slugs, postal codes, scores.

use super::rng::Rng;
use super::tables::*;

pub(super) fn clamp01(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

pub(super) fn push_slug(out: &mut String, part: &str) {
    for ch in part.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        }
    }
}

pub(super) fn size_score(employees: u64) -> f64 {
    match employees {
        0..=10 => 0.1,
        11..=50 => 0.3,
        51..=200 => 0.55,
        201..=1000 => 0.85,
        1001..=5000 => 1.0,
        _ => 0.9,
    }
}

pub(super) fn digit(r: &mut Rng) -> char {
    char::from(b'0' + r.below(10) as u8)
}

pub(super) fn letter(r: &mut Rng) -> char {
    char::from(b'A' + r.below(26) as u8)
}

pub(super) fn digits(buf: &mut String, r: &mut Rng, n: usize) {
    for _ in 0..n {
        buf.push(digit(r));
    }
}

pub(super) fn write_postal(buf: &mut String, r: &mut Rng, country: usize) {
    match COUNTRIES.get(country).map(|c| c.name) {
        Some("Canada") => {
            buf.push(letter(r));
            buf.push(digit(r));
            buf.push(letter(r));
            buf.push(' ');
            buf.push(digit(r));
            buf.push(letter(r));
            buf.push(digit(r));
        }
        Some("United Kingdom") => {
            buf.push(letter(r));
            buf.push(letter(r));
            buf.push(digit(r));
            buf.push(' ');
            buf.push(digit(r));
            buf.push(letter(r));
            buf.push(letter(r));
        }
        Some("Netherlands") => {
            digits(buf, r, 4);
            buf.push(' ');
            buf.push(letter(r));
            buf.push(letter(r));
        }
        Some("Sweden") => {
            digits(buf, r, 3);
            buf.push(' ');
            digits(buf, r, 2);
        }
        Some("Australia") => digits(buf, r, 4),
        Some("India" | "Singapore") => digits(buf, r, 6),
        Some("Japan") => {
            digits(buf, r, 3);
            buf.push('-');
            digits(buf, r, 4);
        }
        Some("Brazil") => {
            digits(buf, r, 5);
            buf.push('-');
            digits(buf, r, 3);
        }
        _ => digits(buf, r, 5),
    }
}
