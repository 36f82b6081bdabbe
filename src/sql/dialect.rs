//! How each SQL dialect writes what the compiled policy needs: names and literals, casts, the
//! trimming of Unicode whitespace, Unicode lowercase `contains`, and `matches` where the dialect's
//! regex engine means the same as Rust's `regex`.

/// A SQL dialect the compiler writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Postgres,
    Spark,
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "duckdb" => Ok(Dialect::DuckDb),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "spark" => Ok(Dialect::Spark),
            other => Err(format!(
                "`{other}` is not a dialect: use duckdb, postgres or spark"
            )),
        }
    }
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::DuckDb, Dialect::Postgres, Dialect::Spark];

    /// The dialect as the command line and file names spell it.
    pub fn key(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "DuckDB",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Spark => "Spark SQL",
        }
    }

    /// A quoted identifier (a column header as written).
    pub fn ident(self, s: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", s.replace('`', "``")),
            _ => format!("\"{}\"", s.replace('"', "\"\"")),
        }
    }

    /// A string literal.
    pub fn text(self, s: &str) -> String {
        match self {
            // Spark reads backslash escapes in string literals.
            Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            _ => format!("'{}'", s.replace('\'', "''")),
        }
    }

    /// A number literal: the shortest text that reads back as the same f64, as a double.
    pub fn number(self, n: f64) -> String {
        format!("CAST('{n:?}' AS {})", self.double())
    }

    fn double(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            _ => "DOUBLE",
        }
    }

    pub fn null_double(self) -> String {
        format!("CAST(NULL AS {})", self.double())
    }

    pub fn cast_text(self, e: &str) -> String {
        let ty = match self {
            Dialect::DuckDb => "VARCHAR",
            Dialect::Postgres => "TEXT",
            Dialect::Spark => "STRING",
        };
        format!("CAST({e} AS {ty})")
    }

    pub fn cast_double(self, e: &str) -> String {
        format!("CAST({e} AS {})", self.double())
    }

    /// `e` without surrounding Unicode whitespace (as `str::trim`: every `White_Space`
    /// character, in each engine's escapes).
    pub fn trim(self, e: &str) -> String {
        let class = match self {
            Dialect::DuckDb => {
                r"[ \t\n\v\f\r\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]"
            }
            Dialect::Postgres => {
                r"[ \t\n\v\f\r\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
            }
            // Java's \v is a class of its own: the vertical tab is \x0B there.
            Dialect::Spark => {
                r"[ \t\n\x0B\f\r\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
            }
        };
        let pattern = self.text(&format!("^{class}+|{class}+$"));
        match self {
            Dialect::Spark => format!("regexp_replace({e}, {pattern}, '')"),
            _ => format!("regexp_replace({e}, {pattern}, '', 'g')"),
        }
    }

    /// `contains`: Unicode lowercase of both sides (the literal lowercased here, as Rust does).
    pub fn contains(self, col: &str, needle: &str) -> String {
        let needle = self.text(&needle.to_lowercase());
        match self {
            Dialect::Spark => format!("(instr(lower({col}), {needle}) > 0)"),
            _ => format!("(strpos(lower({col}), {needle}) > 0)"),
        }
    }

    /// How a table expression is declared so that each layer is computed once: PostgreSQL
    /// otherwise inlines a layer used once into the next, repeating every test a later layer
    /// reads several times (the decision reads the chosen route four times, and so on).
    pub fn layer(self) -> &'static str {
        match self {
            Dialect::Postgres => "AS MATERIALIZED",
            _ => "AS",
        }
    }

    pub fn concat(self, parts: &[String]) -> String {
        format!("({})", parts.join(" || "))
    }

    pub fn drop_last_char(self, e: &str) -> String {
        format!("substring({e}, 1, length({e}) - 1)")
    }

    /// `matches`, or why the pattern would mean something else in this dialect.
    pub fn matches(self, col: &str, pattern: &str) -> Result<String, String> {
        let (flags, body) = leading_flags(pattern);
        check_portable(body)?;
        for f in flags.chars() {
            if !"ims".contains(f) {
                return Err(format!("the flag `{f}` has no equivalent"));
            }
        }
        match self {
            Dialect::DuckDb => Ok(format!("regexp_matches({col}, {})", self.text(pattern))),
            // Java's `(?i)` folds ASCII only unless `u` (UNICODE_CASE) is on, as Rust's always is.
            Dialect::Spark if flags.contains('i') => Ok(format!(
                "({col} RLIKE {})",
                self.text(&format!("(?{flags}u){body}"))
            )),
            Dialect::Spark => Ok(format!("({col} RLIKE {})", self.text(pattern))),
            Dialect::Postgres => {
                if flags.contains('m') || flags.contains('s') {
                    return Err("PostgreSQL reads the `m` and `s` flags differently".into());
                }
                // AREs let `.` match a line break unless told not to (`p`); negated classes then
                // stop matching one too, which Rust's do, so a pattern with both is refused.
                let dot = has_unescaped(body, '.');
                if dot && body.contains("[^") {
                    return Err(
                        "`.` together with a negated class `[^…]` treats line breaks differently in PostgreSQL".into(),
                    );
                }
                let mut opts = String::new();
                if flags.contains('i') {
                    opts.push('i');
                }
                if dot {
                    opts.push('p');
                }
                let re = if opts.is_empty() {
                    body.to_string()
                } else {
                    format!("(?{opts}){body}")
                };
                Ok(format!("({col} ~ {})", self.text(&re)))
            }
        }
    }
}

/// The flags of a leading `(?flags)` group and the pattern after it.
fn leading_flags(p: &str) -> (&str, &str) {
    if let Some(rest) = p.strip_prefix("(?")
        && let Some(end) = rest.find(')')
        && rest[..end].chars().all(|c| c.is_ascii_alphabetic())
    {
        return (&rest[..end], &rest[end + 1..]);
    }
    ("", p)
}

fn has_unescaped(p: &str, c: char) -> bool {
    let mut escaped = false;
    for ch in p.chars() {
        if escaped {
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch == c {
            return true;
        }
    }
    false
}

/// The constructs whose meaning is the same in Rust's `regex`, RE2, PostgreSQL's AREs and Java:
/// literals, `.`, classes written out (`[a-z]`, `[^…]`, `[[:alpha:]]`), anchors `^` `$`,
/// alternation, groups, repetition, and backslash before punctuation. Refused: escapes whose
/// meaning differs (`\d \w \s \b` are Unicode in Rust and ASCII or locale-bound elsewhere; `\p`,
/// `\x`, `\u`), and groups with flags or names inside the pattern.
fn check_portable(body: &str) -> Result<(), String> {
    let mut chars = body.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => match chars.next() {
                Some(e) if e.is_ascii_punctuation() => {}
                Some(e) => {
                    let instead = match e {
                        'd' => "write `[0-9]` for the digits you mean",
                        's' => "write the spaces you mean, e.g. `[ \\t]`",
                        'w' => "write the characters you mean, e.g. `[A-Za-z0-9_]`",
                        'b' | 'B' => {
                            "write the boundary out, e.g. `(^|[^A-Za-z0-9_])cto([^A-Za-z0-9_]|$)` for the word cto"
                        }
                        _ => "write the characters you mean out",
                    };
                    return Err(format!(
                        "`\\{e}` means something else in other regex engines: {instead}"
                    ));
                }
                None => return Err("the pattern ends in a backslash".into()),
            },
            '(' if chars.peek() == Some(&'?') => {
                return Err(
                    "groups with flags or names inside the pattern (`(?…)`) differ between engines; only a leading `(?i)` is compiled".into(),
                );
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_only_where_they_mean_the_same() {
        let d = Dialect::DuckDb;
        assert!(d.matches("c", "(?i)job seeker|open to work").is_ok());
        assert!(d.matches("c", r"^[0-9]{5}$").is_ok());
        assert!(d.matches("c", r"\.com$").is_ok());
        for bad in [r"\d+", r"\bcto\b", r"(?P<x>a)", r"a(?i)b", r"\p{L}"] {
            assert!(d.matches("c", bad).is_err(), "{bad}");
        }
        let pg = Dialect::Postgres;
        assert_eq!(
            pg.matches("c", "(?i)a.c").unwrap_or_default(),
            "(c ~ '(?ip)a.c')"
        );
        assert!(pg.matches("c", "a.[^b]").is_err());
        assert_eq!(
            Dialect::Spark.matches("c", "(?i)école").unwrap_or_default(),
            "(c RLIKE '(?iu)école')"
        );
        assert_eq!(pg.matches("c", "^ab$").unwrap_or_default(), "(c ~ '^ab$')");
    }

    #[test]
    fn literals_are_quoted_for_each_dialect() {
        assert_eq!(Dialect::DuckDb.text("O'Brien"), "'O''Brien'");
        assert_eq!(Dialect::Spark.text(r"a\b'c"), r"'a\\b\'c'");
        assert_eq!(
            Dialect::Postgres.ident("Lead \"ID\""),
            "\"Lead \"\"ID\"\"\""
        );
        assert_eq!(Dialect::DuckDb.number(0.6), "CAST('0.6' AS DOUBLE)");
        assert_eq!(
            Dialect::Postgres.number(200.0),
            "CAST('200.0' AS DOUBLE PRECISION)"
        );
    }
}
