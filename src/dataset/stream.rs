//! A CSV leads file read part by part instead of whole, for jobs that look at one lead at a
//! time (`decide`): memory then holds a few parts, not the file.
//!
//! The meaning of a part depends on the whole file: a column is a number only when *every* value
//! of it is, and each id must be unique in the file. So the types are *guessed* from the first
//! part (a column with a value that is not a number there is text for good; a column forced by
//! the mapping is what it says), every part is read and handed on with those types while what
//! it holds is counted, and at the end the counts say whether the guess was right. It almost
//! always is; when it is not (a column of numbers with text far down, or empty at the top), the
//! caller is told to start again and the parts are read once more with the types now known.
//! The outcomes file is read once for all parts.
//!
//! The stream is the fast path, never the judge: anything unusual (a row that is not CSV, a
//! duplicate or missing id, a value that breaks a forced type, a file that is not CSV) makes it
//! stop, and the caller loads the file whole, which reports the problem exactly as it always
//! has, with its file, line and column.

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use polars::prelude::*;

use super::Dataset;
use super::mapping::{ForcedType, Mapping};
use super::outcomes::Outcomes;
use super::read::{
    Cells, Chunk, ColumnBuilder, RawTable, finish_column, parse_chunk, parse_decimal, read_headers,
    rows_in, split_records, threads,
};
use super::source::{Kind, Utf8File, as_utf8};
use crate::error::Error;

/// What is known of one column over some rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count {
    filled: usize,
    /// Every filled value is a decimal number.
    numbers: bool,
}

impl Count {
    const NONE: Count = Count {
        filled: 0,
        numbers: true,
    };

    fn add(&mut self, other: Count) {
        self.filled += other.filled;
        self.numbers &= other.numbers;
    }

    /// Whether the column is read as numbers (the rule of `read::merge_column`).
    fn numeric(self) -> bool {
        self.numbers && self.filled > 0
    }
}

/// A sink that only counts.
struct Counting(Vec<Count>);

impl Cells for Counting {
    fn missing(&mut self, _col: usize) {}

    fn value(&mut self, col: usize, v: &str, _line: usize) {
        let c = &mut self.0[col];
        c.filled += 1;
        if c.numbers && parse_decimal(v).is_none() {
            c.numbers = false;
        }
    }
}

/// How a column is read in every part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Typing {
    /// Read as numbers (every part builds its numbers).
    numeric: bool,
    /// Known to hold a value that is not a number: no need to test the rest.
    text_for_good: bool,
}

/// A leads file ready to be read part by part.
#[derive(Debug)]
pub struct Stream<'m> {
    mapping: &'m Mapping,
    /// The file the mapping names (errors and the dataset speak of it).
    leads_path: PathBuf,
    /// The UTF-8 text read (the file itself, or a decoded temporary copy).
    utf8: Utf8File,
    headers: Vec<String>,
    size: u64,
    delimiter: u8,
    missing: Vec<String>,
    parts: Vec<Chunk>,
    /// Per column: keep its text even when it is numeric (id, role and forced-text columns).
    keep_text: Vec<bool>,
    /// Per column: what the mapping forces.
    forced: Vec<Option<ForcedType>>,
    outcomes: Option<Outcomes>,
}

/// Why the stream stopped; the caller loads the file whole.
#[derive(Debug)]
pub struct Stop(pub Error);

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop(e)
    }
}

/// What [`Stream::map_parts`] hands on.
#[derive(Debug)]
pub enum Handed<T> {
    /// The next part's result, in file order.
    Part(T),
    /// Forget every part handed on so far: they come again, read with the right types.
    Restart,
}

/// A part as read: its counts, and the dataset when the part agrees with the types it was
/// read with.
struct Part {
    counts: Vec<Count>,
    dataset: Option<Dataset>,
}

impl<'m> Stream<'m> {
    /// Prepare to read the leads file in parts of about `part_bytes` bytes. `None` when the file
    /// is not one this path reads (Parquet, a workbook, decimal commas): load it whole instead.
    pub fn open(mapping: &'m Mapping, part_bytes: u64) -> Result<Option<Self>, Stop> {
        let ds = &mapping.file.dataset;
        let leads_path = mapping.resolve(ds.leads.get_ref());
        if Kind::of(&leads_path) != Kind::Csv || mapping.decimal_comma() {
            return Ok(None);
        }
        let format = mapping.leads_format();
        let utf8 = as_utf8(&leads_path, format.encoding)?;
        let delimiter = format.delimiter.unwrap_or(b',');
        let (headers, _, size) = read_headers(&utf8.path, delimiter)?;
        // The outcomes file is read while the leads file is split (both read a file through).
        let (parts, outcomes) = std::thread::scope(|s| {
            let outcomes = ds
                .outcomes
                .as_ref()
                .map(|o| s.spawn(move || Outcomes::read(mapping, o)));
            let parts = split_records(&utf8.path, size, (size / part_bytes.max(1)).max(1));
            let outcomes = outcomes
                .map(|h| h.join().unwrap_or_else(|_| Err(crashed())))
                .transpose();
            (parts, outcomes)
        });
        let (parts, outcomes) = (parts?, outcomes?);
        let keep_text = headers.iter().map(|h| keeps_text(mapping, h)).collect();
        let forced = headers
            .iter()
            .map(|h| mapping.file.columns.get(h).and_then(|s| s.ty))
            .collect();
        Ok(Some(Self {
            mapping,
            leads_path,
            utf8,
            headers,
            size,
            delimiter,
            missing: mapping.missing_tokens(),
            parts,
            keep_text,
            forced,
            outcomes,
        }))
    }

    /// How many parts the file is read in.
    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    fn parse(&self, part: Chunk, cells: &mut impl Cells) -> Result<Vec<u32>, Error> {
        parse_chunk(
            &self.utf8.path,
            part,
            &self.headers,
            &self.missing,
            self.delimiter,
            self.size,
            1,
            None,
            cells,
        )
    }

    /// The types to read every part with, from what is known of each column.
    fn typing(&self, counts: &[Count]) -> Vec<Typing> {
        counts
            .iter()
            .zip(&self.forced)
            .map(|(c, forced)| match forced {
                // A forced type is known before any value is read.
                Some(ForcedType::Number) => Typing {
                    numeric: true,
                    text_for_good: false,
                },
                Some(ForcedType::Text) => Typing {
                    numeric: false,
                    text_for_good: true,
                },
                None => Typing {
                    numeric: c.numeric(),
                    text_for_good: !c.numbers,
                },
            })
            .collect()
    }

    /// Part `i` read with `typing`: `dataset` is `None` when a column read as numbers holds a
    /// value that is not one.
    fn part(&self, i: usize, typing: &[Typing]) -> Result<Part, Error> {
        let Some(&part) = self.parts.get(i) else {
            return Err(Error::Usage(format!("internal: no part {i} in the stream")));
        };
        let estimate = rows_in(part.end - part.start);
        let mut builders: Vec<ColumnBuilder> = self
            .headers
            .iter()
            .zip(typing)
            .zip(&self.keep_text)
            .map(|((h, t), &keep)| {
                ColumnBuilder::with_text(h, estimate, !t.text_for_good, keep || !t.numeric)
            })
            .collect();
        let lines = self.parse(part, &mut builders)?;
        let rows = lines.len();
        let counts: Vec<Count> = builders
            .iter()
            .zip(typing)
            .map(|(b, t)| Count {
                filled: b.filled(),
                numbers: !t.text_for_good && b.numeric(),
            })
            .collect();
        let mut columns = Vec::with_capacity(builders.len());
        for (position, (b, (h, t))) in builders
            .into_iter()
            .zip(self.headers.iter().zip(typing))
            .enumerate()
        {
            let count = counts[position];
            if t.numeric && !count.numbers {
                if self.forced[position] == Some(ForcedType::Number) {
                    return Err(Error::Usage(format!(
                        "`{h}` is forced to be a number but holds text"
                    )));
                }
                return Ok(Part {
                    counts,
                    dataset: None,
                });
            }
            let text = self.keep_text[position] || !t.numeric;
            let mut raw = finish_column(h.clone(), position + 1, b, text)?;
            raw.numbers = match raw.numbers {
                Some(n) if t.numeric => Some(n),
                None if t.numeric => Some(Float64Chunked::full_null(h.as_str().into(), rows)),
                _ => None,
            };
            if raw.text.is_none() && text {
                raw.text = Some(StringChunked::full_null(h.as_str().into(), rows));
            }
            // A column read as text because of a value that is not a number: a forced number
            // is refused (the whole-file load names the value and its line).
            if !t.numeric && t.text_for_good && raw.first_non_number.is_none() {
                raw.first_non_number = Some((String::new(), 0));
            }
            columns.push(raw);
        }
        let dataset = Dataset::from_raw(
            self.mapping,
            self.leads_path.clone(),
            RawTable {
                columns,
                rows,
                lines,
            },
            self.outcomes.as_ref(),
        )?;
        Ok(Part {
            counts,
            dataset: Some(dataset),
        })
    }

    /// Run `f` on every part, on every core, and hand its results to `sink` in file order.
    /// When the types guessed from the first part turn out wrong, `sink` is told to
    /// [`Handed::Restart`] and every part is handed on again, read with the right types. After
    /// the last part the lead ids of the whole file are checked to be unique. Any error, from a
    /// part, from `f`, from `sink` or that check, stops the stream.
    pub fn map_parts<T: Send>(
        &self,
        f: impl Fn(Dataset) -> Result<T, Error> + Sync,
        mut sink: impl FnMut(Handed<T>) -> Result<(), Error>,
    ) -> Result<(), Stop> {
        let Some(&first) = self.parts.first() else {
            return Err(Stop(crashed()));
        };
        let mut counting = Counting(vec![Count::NONE; self.headers.len()]);
        self.parse(first, &mut counting)?;
        let mut typing = self.typing(&counting.0);
        // Whether `typing` comes from the whole file (then a pass cannot contradict it, and an
        // error in it is the file's or the caller's, not the guess's).
        let mut settled = false;
        for pass in 0..3 {
            if pass > 0 {
                sink(Handed::Restart)?;
            }
            match self.pass(&typing, &f, &mut sink) {
                Ok(Some(counts)) => {
                    let right = self.typing(&counts);
                    if right
                        .iter()
                        .zip(&typing)
                        .all(|(a, b)| a.numeric == b.numeric)
                    {
                        return Ok(());
                    }
                    typing = right;
                    settled = true;
                }
                Err(e) if settled => return Err(Stop(e)),
                // A part contradicted the guess, or failed in a way a wrong guess explains (a
                // policy comparing numbers in a column guessed to be text): count the whole
                // file, then read it with its true types.
                Ok(None) | Err(_) => {
                    typing = self.typing(&self.count()?);
                    settled = true;
                }
            }
        }
        Err(Stop(Error::Usage(
            "internal: the column types did not settle".into(),
        )))
    }

    /// Every cell of the file counted, on every core.
    fn count(&self) -> Result<Vec<Count>, Error> {
        let next = AtomicUsize::new(0);
        let width = self.headers.len();
        let results: Vec<Result<Vec<Count>, Error>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads())
                .map(|_| {
                    s.spawn(|| {
                        let mut sink = Counting(vec![Count::NONE; width]);
                        while let Some(&part) = self.parts.get(next.fetch_add(1, Ordering::Relaxed))
                        {
                            self.parse(part, &mut sink)?;
                        }
                        Ok(sink.0)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(crashed())))
                .collect()
        });
        let mut all = vec![Count::NONE; width];
        for r in results {
            for (a, c) in all.iter_mut().zip(r?) {
                a.add(c);
            }
        }
        Ok(all)
    }

    /// One pass over every part with `typing`: the whole file's counts, or `None` as soon as a
    /// part contradicts the types (what was handed to `sink` is then to be thrown away).
    fn pass<T: Send>(
        &self,
        typing: &[Typing],
        f: &(impl Fn(Dataset) -> Result<T, Error> + Sync),
        sink: &mut impl FnMut(Handed<T>) -> Result<(), Error>,
    ) -> Result<Option<Vec<Count>>, Error> {
        let n = self.parts.len();
        let workers = threads();
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        type Done<T> = Result<(Vec<Count>, Option<(Vec<u64>, T)>), Error>;
        let (tx, rx) = mpsc::sync_channel::<(usize, Done<T>)>(workers * 2);
        let mut ids: Vec<u64> = Vec::new();
        let mut counts = vec![Count::NONE; self.headers.len()];
        let outcome: Result<bool, Error> = std::thread::scope(|s| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (next, stop) = (&next, &stop);
                s.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        let done = self.part(i, typing).and_then(|part| {
                            let out = match part.dataset {
                                Some(ds) => Some((id_hashes(&ds)?, f(ds)?)),
                                None => None,
                            };
                            Ok((part.counts, out))
                        });
                        if tx.send((i, done)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            // Results arrive in any order; they leave in file order.
            let mut waiting = BTreeMap::new();
            let mut expected = 0;
            let mut result = Ok(true);
            for (i, done) in rx {
                let (part_counts, out) = match done {
                    Ok(v) => v,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                };
                for (a, c) in counts.iter_mut().zip(part_counts) {
                    a.add(c);
                }
                let Some(out) = out else {
                    result = Ok(false);
                    break;
                };
                waiting.insert(i, out);
                while let Some((h, v)) = waiting.remove(&expected) {
                    ids.extend(h);
                    if let Err(e) = sink(Handed::Part(v)) {
                        result = Err(e);
                        break;
                    }
                    expected += 1;
                }
                if result.is_err() {
                    break;
                }
            }
            stop.store(true, Ordering::Relaxed);
            if matches!(result, Ok(true)) && expected != n {
                result = Err(crashed());
            }
            result
        });
        if !outcome? {
            return Ok(None);
        }
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            // Two ids alike (or, once in a few billion, two hashes alike): the whole-file load
            // names them.
            return Err(Error::Usage(
                "two leads may share an id; load the file whole to check".into(),
            ));
        }
        if ids.is_empty() {
            return Err(Error::Usage("the file has no data rows".into()));
        }
        Ok(Some(counts))
    }
}

/// Whether the mapping needs a column's text even when it is numeric: forced-text columns, the
/// id and role columns (as `Dataset::from_mapping` decides it).
fn keeps_text(mapping: &Mapping, header: &str) -> bool {
    let spec = mapping.file.columns.get(header);
    if spec.and_then(|s| s.ty) == Some(ForcedType::Text) {
        return true;
    }
    let renamed = spec.and_then(|s| s.name.as_deref()).map(str::trim);
    let id = mapping.file.dataset.id.get_ref().trim();
    std::iter::once(id.to_string())
        .chain(
            mapping
                .file
                .roles
                .columns()
                .into_iter()
                .map(|(_, c)| c.name.trim().to_string()),
        )
        .any(|n| n == header || renamed == Some(n.as_str()))
}

/// One fixed hash for ids in every part and every run.
const ID_HASH: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x1ead);

/// A hash of every lead id of a part (ids are never missing in a loaded dataset).
fn id_hashes(ds: &Dataset) -> Result<Vec<u64>, Error> {
    Ok(ds
        .frame
        .column(&ds.id)?
        .str()?
        .iter()
        .map(|id| ID_HASH.hash_one(id))
        .collect())
}

fn crashed() -> Error {
    Error::Usage("a reader thread stopped before its part was read".into())
}
