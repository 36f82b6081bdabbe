//! Deciding every lead of a leads file into a decisions file. A CSV leads file written to a CSV
//! decisions file is *streamed*: read and decided part by part on every core, so memory holds a
//! few parts instead of the file (see `dataset::stream`). Anything the stream does not take
//! (another format, or a file with a problem) is loaded whole, which also reports the problem
//! with its place. Both ways write the same bytes.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::dataset::stream::{Handed, Stream};
use crate::dataset::{Dataset, Mapping, read::Progress};
use crate::engine::{self, Decision};
use crate::error::Error;
use crate::output::{self, Format};
use crate::policy::Policy;

/// Parts of about this many bytes: a few megabytes of text per part in flight on each core.
pub const PART_BYTES: u64 = 8 << 20;

/// What deciding a file did.
#[derive(Debug)]
pub struct Decided {
    pub leads: usize,
    /// Leads per decision, in [`Decision::ALL`] order.
    pub counts: Vec<(Decision, usize)>,
    pub how: How,
}

#[derive(Debug)]
pub enum How {
    /// Read, decided and written part by part.
    Streamed {
        parts: usize,
        /// How many times the column types guessed from the first part were wrong and every
        /// part was read again.
        restarts: usize,
        /// Finding the parts and reading the outcomes file.
        open: Duration,
    },
    /// Loaded whole, then decided, then written.
    Whole {
        load: Duration,
        decide: Duration,
        write: Duration,
    },
}

/// Decide every lead of the mapping's dataset under `policy` and write the decisions to `out`
/// (CSV, JSON or Parquet by its extension). `progress` is told how far the reading is (done,
/// of all); returning `false` cancels.
pub fn decide_file(
    policy: &Policy,
    mapping: &Mapping,
    out: &Path,
    part_bytes: u64,
    progress: Progress<'_>,
) -> Result<Decided, Error> {
    if Format::from_path(out)? == Format::Csv
        && let Some(done) = streamed(policy, mapping, out, part_bytes, progress)?
    {
        return Ok(done);
    }
    whole(policy, mapping, out, progress)
}

/// The streamed way; `None` when the stream does not take the file or stops on the way (the
/// whole-file way then says why, or succeeds where a stream cannot, as for a file of another
/// format). Nothing is left at `out` by a stream that stopped. An error only when cancelled.
fn streamed(
    policy: &Policy,
    mapping: &Mapping,
    out: &Path,
    part_bytes: u64,
    progress: Progress<'_>,
) -> Result<Option<Decided>, Error> {
    let t = Instant::now();
    let Ok(Some(stream)) = Stream::open(mapping, part_bytes) else {
        return Ok(None);
    };
    let survey = t.elapsed();
    let parts = stream.parts();
    let mut totals = [0usize; 5];
    let (mut cancelled, mut restarts) = (false, 0);
    let header = {
        let mut h = csv::Writer::from_writer(Vec::new());
        h.write_record(engine::DECISION_COLUMNS)
            .map_err(|e| Error::write(out, e.into()))?;
        h.into_inner()
            .map_err(|e| Error::write(out, e.into_error()))?
    };
    let written = output::write_atomic(out, |w| {
        w.write_all(&header)?;
        let mut done = 0u64;
        let ran = stream.map_parts(
            |ds| {
                let d = engine::decide_codes(policy, &ds)?;
                let mut rows = csv::Writer::from_writer(Vec::new());
                output::csv_rows(&d, policy, &ds, &mut rows)
                    .and_then(|()| rows.flush())
                    .map_err(|e| Error::write(out, e))?;
                let bytes = rows
                    .into_inner()
                    .map_err(|e| Error::write(out, e.into_error()))?;
                Ok((bytes, engine::counts(&d)))
            },
            |handed| {
                let written = |e| Error::write(out, e);
                match handed {
                    Handed::Part((bytes, counts)) => {
                        w.write_all(&bytes).map_err(written)?;
                        for (total, (_, n)) in totals.iter_mut().zip(counts) {
                            *total += n;
                        }
                        done += 1;
                    }
                    Handed::Restart => {
                        w.seek(SeekFrom::Start(0)).map_err(written)?;
                        w.get_ref().set_len(0).map_err(written)?;
                        w.write_all(&header).map_err(written)?;
                        totals = [0; 5];
                        done = 0;
                        restarts += 1;
                    }
                }
                if !progress(done, parts as u64) {
                    cancelled = true;
                    return Err(Error::Cancelled);
                }
                Ok(())
            },
        );
        if ran.is_err() {
            return Err(std::io::Error::other("the stream stopped"));
        }
        Ok(())
    });
    if cancelled {
        return Err(Error::Cancelled);
    }
    if written.is_err() {
        return Ok(None);
    }
    Ok(Some(Decided {
        leads: totals.iter().sum(),
        counts: Decision::ALL.iter().copied().zip(totals).collect(),
        how: How::Streamed {
            parts,
            restarts,
            open: survey,
        },
    }))
}

/// The whole-file way: load, decide, write.
fn whole(
    policy: &Policy,
    mapping: &Mapping,
    out: &Path,
    progress: Progress<'_>,
) -> Result<Decided, Error> {
    let t0 = Instant::now();
    let ds = Dataset::from_mapping_with_progress(mapping, progress)?;
    let load = t0.elapsed();
    let t1 = Instant::now();
    let d = engine::decide_codes(policy, &ds)?;
    let decide = t1.elapsed();
    let t2 = Instant::now();
    output::write_decisions(&d, policy, &ds, out)?;
    Ok(Decided {
        leads: d.len(),
        counts: engine::counts(&d),
        how: How::Whole {
            load,
            decide,
            write: t2.elapsed(),
        },
    })
}
