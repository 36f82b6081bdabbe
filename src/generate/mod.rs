//! Deterministic synthetic B2B lead dataset generator (`leadpolicy generate`).
//!
//! This module owns the fake inbound funnel used for demos, fixtures and benchmarks: a tiny
//! seeded PRNG (xoshiro256** seeded through SplitMix64), a latent "fit" model (company size,
//! industry, persona, engagement) that drives the historical outcomes, and the three files it
//! writes into one directory — `leads.csv` (a CRM-style lead export with real-world mess:
//! picklist `Select` values, `N/A`, `-`, stray spaces, quoted commas, CRLF line endings),
//! `deals.csv` (the outcomes file, a semi-join on `Lead ID`) and `mapping.toml` (the dataset
//! mapping of docs/semantics.md). It must not read the clock, the environment or any entropy other than
//! `seed`, must not depend on the policy, engine or dataset modules, and must not change its
//! output for a given `(rows, seed)`: fixtures and benchmarks rely on byte-identical files, so
//! any change to the tables or the model below is a breaking change. For the same reason it only
//! uses integer and basic IEEE float arithmetic (no `exp`, `ln`, `powf`, whose last bits may
//! differ between platforms).

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

mod cells;
mod columns;
mod rng;
mod tables;
mod values;
mod who;
use cells::*;
use columns::*;
use rng::*;
use tables::*;
use values::*;

/// How much to generate and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    pub rows: usize,
    pub seed: u64,
}

/// What [`generate`] wrote: lead rows, leads that converted, and the files (leads, deals, mapping).
#[derive(Debug)]
pub struct GenerateSummary {
    pub rows: usize,
    pub converted: usize,
    pub files: Vec<PathBuf>,
}

/// Writes `leads.csv`, `deals.csv` and `mapping.toml` into `out_dir` (created if missing).
///
/// # Errors
///
/// `rows == 0` (a dataset with no rows cannot be loaded) is `InvalidInput`; otherwise any I/O
/// error creating the directory or writing the files.
pub fn generate(opts: &GenerateOptions, out_dir: &Path) -> io::Result<GenerateSummary> {
    if opts.rows == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "generate: rows must be at least 1 (a dataset with no rows cannot be loaded)",
        ));
    }
    fs::create_dir_all(out_dir)?;
    let leads_path = out_dir.join("leads.csv");
    let deals_path = out_dir.join("deals.csv");
    let mapping_path = out_dir.join("mapping.toml");

    let mut leads = csv_writer(&leads_path)?;
    let mut deals = csv_writer(&deals_path)?;
    leads.write_record(COLUMNS.iter().map(|c| c.header))?;
    deals.write_record(["Lead ID", "Deal ID", "Amount", "Closed Date"])?;

    let mut g = Generator::new(opts);
    let mut converted = 0usize;
    for i in 0..opts.rows {
        let force = i + 1 == opts.rows && converted == 0;
        if g.lead(i, force, &mut leads, &mut deals)? {
            converted += 1;
        }
    }
    leads.flush()?;
    deals.flush()?;
    drop(leads);
    drop(deals);

    fs::write(&mapping_path, mapping_text(opts))?;
    Ok(GenerateSummary {
        rows: opts.rows,
        converted,
        files: vec![leads_path, deals_path, mapping_path],
    })
}

type CsvOut = csv::Writer<BufWriter<File>>;

fn csv_writer(path: &Path) -> io::Result<CsvOut> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(file))
}

// ---------------------------------------------------------------------------------------------
// Dates (the tables are in tables.rs: changing any of them changes every generated file)

/// Day index counted from 2025-01-01 (2025–2027 have no leap day) → (year, month, day).
fn ymd(day: u64) -> (u64, u64, u64) {
    let year = 2025 + day / 365;
    let mut d = day % 365;
    let mut month = 12;
    for (i, &len) in MONTH_DAYS.iter().enumerate() {
        if d < len {
            month = i as u64 + 1;
            break;
        }
        d -= len;
    }
    (year, month, d + 1)
}

// ---------------------------------------------------------------------------------------------
// The lead model.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    Ae,
    Dq,
    Nurture,
    Review,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Crm {
    New,
    ExistingAccount,
    ExistingContact,
    Duplicate,
}

impl Crm {
    fn as_str(self) -> &'static str {
        match self {
            Crm::New => "new",
            Crm::ExistingAccount => "existing_account",
            Crm::ExistingContact => "existing_contact",
            Crm::Duplicate => "duplicate",
        }
    }
}

/// Who the lead is: the company and the person (true values, before export gaps).
struct Who {
    industry: Option<usize>,
    employees: Option<u64>,
    country: usize,
    revenue_per_employee: u64,
    company_present: bool,
    split: u64,
    owner_seed: u64,
    level: Option<usize>,
    title: Option<&'static str>,
    persona_score: f64,
}

struct Generator {
    rows: usize,
    rng: Rng,
    cells: Cells,
    deal_cells: Cells,
    /// The companies leads work for, and the current lead's company name and domain.
    world: Companies,
    /// `campaigns[source][quarter]` = campaign names for each theme.
    campaigns: Vec<Vec<Vec<String>>>,
    next_deal: u64,
    orphans: u64,
}

/// The companies leads work for: drawn from the seed, with the current lead's name and domain.
struct Companies {
    seed: u64,
    company: String,
    domain: String,
    countries: [(usize, u32); 14],
    industries: [(usize, u32); 12],
}

impl Generator {
    fn new(opts: &GenerateOptions) -> Self {
        let mut campaigns = Vec::with_capacity(SOURCES.len());
        for s in &SOURCES {
            let mut per_quarter = Vec::with_capacity(4);
            for q in 1..=4 {
                per_quarter.push(
                    s.themes
                        .iter()
                        .map(|t| format!("2025-Q{q}-{}-{t}", s.family))
                        .collect::<Vec<_>>(),
                );
            }
            campaigns.push(per_quarter);
        }
        Generator {
            rows: opts.rows,
            rng: Rng::new(opts.seed),
            cells: Cells::new(),
            deal_cells: Cells::new(),
            world: Companies {
                seed: opts.seed,
                company: String::with_capacity(64),
                domain: String::with_capacity(64),
                countries: country_weights(),
                industries: industry_weights(),
            },
            campaigns,
            next_deal: 1,
            orphans: 0,
        }
    }

    /// Generates lead `i` (0-based), writes its row and its deals; returns whether it converted.
    fn lead(
        &mut self,
        i: usize,
        force_convert: bool,
        leads: &mut CsvOut,
        deals: &mut CsvOut,
    ) -> io::Result<bool> {
        let r = &mut self.rng;
        self.world.company.clear();
        self.world.domain.clear();

        // When: lead ids follow creation time across calendar 2025, business hours peak.
        let day = ((i as u128 * 365) / self.rows.max(1) as u128) as u64;
        let (year, month, dom) = ymd(day);
        let hour = r.weighted(&HOURS, 12);
        let minute = r.below(60);
        let quarter = ((month - 1) / 3) as usize;

        // Where from.
        let source_weights: [(usize, u32); 8] = [
            (0, SOURCES[0].weight),
            (1, SOURCES[1].weight),
            (2, SOURCES[2].weight),
            (3, SOURCES[3].weight),
            (4, SOURCES[4].weight),
            (5, SOURCES[5].weight),
            (6, SOURCES[6].weight),
            (7, SOURCES[7].weight),
        ];
        let src_idx = r.weighted(&source_weights, 0);
        let src = &SOURCES[src_idx];
        let source_missing = r.chance(0.012);
        let form_weights: [(usize, u32); 6] = [
            (0, src.forms[0]),
            (1, src.forms[1]),
            (2, src.forms[2]),
            (3, src.forms[3]),
            (4, src.forms[4]),
            (FORM_NONE, src.forms[5]),
        ];
        let form = r.weighted(&form_weights, FORM_NONE);
        let campaign: Option<&str> = if r.chance(src.campaign_missing) {
            None
        } else {
            let theme = r.index(src.themes.len());
            self.campaigns
                .get(src_idx)
                .and_then(|q| q.get(quarter))
                .and_then(|t| t.get(theme))
                .map(String::as_str)
        };

        // Who.
        let persona = r.weighted(
            &[
                (Persona::Normal, src.personas[0]),
                (Persona::Personal, src.personas[1]),
                (Persona::Student, src.personas[2]),
                (Persona::JobSeeker, src.personas[3]),
                (Persona::Competitor, src.personas[4]),
            ],
            Persona::Normal,
        );

        let personal_domain = r.weighted(&PERSONAL_DOMAINS, "gmail.com");
        let who = self.world.who(r, persona, personal_domain);
        let Who {
            industry,
            employees,
            country,
            revenue_per_employee,
            company_present,
            split,
            owner_seed,
            level,
            title,
            persona_score,
        } = who;

        // Latent fit and intent.
        let fit = match persona {
            Persona::Normal | Persona::Personal => {
                let f = 0.35 * size_score(employees.unwrap_or(1))
                    + 0.30
                        * industry
                            .and_then(|i| INDUSTRIES.get(i))
                            .map_or(0.3, |i| i.score)
                    + 0.35 * persona_score;
                if persona == Persona::Personal {
                    f * 0.75
                } else {
                    f
                }
            }
            Persona::Student | Persona::JobSeeker => 0.03,
            Persona::Competitor => 0.05,
        };
        // Students, job seekers and competitors read everything.
        let curious = if matches!(
            persona,
            Persona::Student | Persona::JobSeeker | Persona::Competitor
        ) {
            15.0
        } else {
            0.0
        };
        let engagement_raw = 12.0 + 50.0 * fit + src.engagement_bonus + 13.0 * r.normal() + curious;
        let engagement = engagement_raw.clamp(0.0, 100.0) as u64;
        let quality = clamp01(0.65 * fit + 0.35 * engagement as f64 / 100.0);
        let time_on_site = engagement * r.between(6, 40) / 10 + r.below(10);
        let pages = 1 + engagement / 9 + r.below(4);

        // CRM duplicate check.
        let big = employees.is_some_and(|e| e > 1000);
        let crm: Option<Crm> = if r.chance(0.02) {
            None
        } else if matches!(persona, Persona::Student | Persona::JobSeeker) {
            Some(r.weighted(
                &[
                    (Crm::New, 85),
                    (Crm::ExistingContact, 5),
                    (Crm::Duplicate, 10),
                ],
                Crm::New,
            ))
        } else {
            Some(r.weighted(
                &[
                    (Crm::New, 72),
                    (Crm::ExistingAccount, if big { 28 } else { 13 }),
                    (Crm::ExistingContact, 5),
                    (Crm::Duplicate, 6),
                ],
                Crm::New,
            ))
        };

        // Enrichment.
        let provider_weights = [
            (Some(0usize), PROVIDERS[0].weight),
            (Some(1), PROVIDERS[1].weight),
            (Some(2), PROVIDERS[2].weight),
            (None, NO_PROVIDER_WEIGHT),
        ];
        let provider = r.weighted(&provider_weights, None);
        let personalish = matches!(persona, Persona::Personal | Persona::JobSeeker)
            || PERSONAL_DOMAINS
                .iter()
                .any(|(d, _)| *d == self.world.domain);
        let mut enrich_error = false;
        let mut confidence: Option<u64> = None;
        if let Some(p) = provider.and_then(|p| PROVIDERS.get(p)) {
            let err_rate = if personalish {
                p.error_rate * 3.0
            } else {
                p.error_rate
            };
            if r.chance(err_rate) {
                enrich_error = true;
            } else {
                let penalty = match persona {
                    Persona::Personal | Persona::JobSeeker => 0.3,
                    Persona::Student => 0.2,
                    _ => 0.0,
                };
                let c = (p.mean + p.sd * r.normal() - penalty).clamp(0.05, 0.99);
                confidence = if r.chance(0.01) {
                    None
                } else {
                    Some((c * 100.0 + 0.5) as u64)
                };
            }
        }
        let enriched_well = confidence.is_some_and(|c| c >= 50);
        let enriched = confidence.is_some();

        // What the export shows (forms ask different things; enrichment fills some gaps).
        let miss = FORM_MISSING
            .get(form)
            .copied()
            .unwrap_or(FORM_MISSING[FORM_NONE]);
        let firmo = if enriched_well {
            0.3
        } else if enriched {
            0.7
        } else {
            1.0
        };
        let odd = if matches!(persona, Persona::Student | Persona::JobSeeker) {
            0.3
        } else {
            0.0
        };
        let mut shown_employees = if r.chance(miss[F_EMP] * firmo + odd) {
            None
        } else {
            employees
        };
        if enriched && !enriched_well && shown_employees.is_some() && r.chance(0.3) {
            // Low-confidence enrichment is sometimes simply wrong.
            let (lo, hi) = r.weighted(&SIZE_BUCKETS, (51, 200));
            shown_employees = Some(r.between(lo, hi));
        }
        let shown_industry = if r.chance(miss[F_IND] * firmo + odd) {
            None
        } else {
            industry
        };
        let shown_revenue = if revenue_per_employee == 0 || r.chance(miss[F_REV] * firmo) {
            None
        } else {
            employees.map(|e| (e * revenue_per_employee).div_ceil(1000) * 1000)
        };
        let shown_level = if r.chance(miss[F_LVL] * if enriched_well { 0.6 } else { 1.0 }) {
            None
        } else {
            level
        };
        let shown_country = !r.chance(miss[F_CTRY] * firmo);
        let shown_title = if r.chance(miss[F_TITLE]) { None } else { title };
        let shown_company =
            company_present && !self.world.company.is_empty() && !r.chance(miss[F_COMPANY]);

        // Territory and account owner (territories overlap: some owners cover two).
        let region = COUNTRIES.get(country).map_or(Region::Na, |c| c.region);
        let enterprise = employees.is_some_and(|e| e >= 1000) && persona != Persona::Student;
        let territory = match region {
            Region::Na if enterprise => 0,
            Region::Na => 1 + split as usize,
            Region::Emea if enterprise => 3,
            Region::Emea => 4,
            Region::Apac => 5,
            Region::Latam => 6,
        };
        let (territory_name, owners) = TERRITORIES
            .get(territory)
            .copied()
            .unwrap_or(TERRITORIES[0]);
        let shown_territory = if shown_country {
            !r.chance(0.03)
        } else {
            !r.chance(0.6)
        };
        let has_owner = match crm {
            _ if matches!(persona, Persona::Student | Persona::JobSeeker) => false,
            Some(Crm::ExistingAccount) => r.chance(0.88),
            _ if enterprise => r.chance(0.25),
            _ => r.chance(0.05),
        };
        let owner = if !has_owner || owners.is_empty() {
            None
        } else if r.chance(0.15) {
            // Overlap: a rep of the overlapping territory in the same region owns the account.
            let (_, other) = TERRITORIES
                .get(OVERLAPS.get(territory).copied().unwrap_or(territory))
                .copied()
                .unwrap_or(TERRITORIES[0]);
            Some(r.pick(other, "Dana Whitfield"))
        } else {
            owners
                .get((owner_seed % owners.len() as u64) as usize)
                .copied()
        };

        // What the old SDR process did.
        let gaps = shown_employees.is_none() || shown_industry.is_none();
        let route = match persona {
            Persona::Competitor => r.weighted(
                &[(Route::Dq, 80), (Route::Review, 12), (Route::Nurture, 8)],
                Route::Dq,
            ),
            Persona::Student | Persona::JobSeeker => r.weighted(
                &[
                    (Route::Dq, 75),
                    (Route::Nurture, 18),
                    (Route::Review, 5),
                    (Route::Ae, 2),
                ],
                Route::Dq,
            ),
            _ if crm == Some(Crm::Duplicate) => r.weighted(
                &[(Route::Dq, 70), (Route::Review, 20), (Route::Nurture, 10)],
                Route::Dq,
            ),
            _ if gaps && r.chance(0.45) => Route::Review,
            _ if quality >= 0.62 => r.weighted(
                &[(Route::Ae, 88), (Route::Review, 7), (Route::Nurture, 5)],
                Route::Ae,
            ),
            _ if quality >= 0.48 => r.weighted(
                &[
                    (Route::Ae, 45),
                    (Route::Nurture, 40),
                    (Route::Review, 10),
                    (Route::Dq, 5),
                ],
                Route::Nurture,
            ),
            _ if quality >= 0.33 => r.weighted(
                &[
                    (Route::Ae, 10),
                    (Route::Nurture, 60),
                    (Route::Review, 12),
                    (Route::Dq, 18),
                ],
                Route::Nurture,
            ),
            _ => r.weighted(
                &[
                    (Route::Ae, 3),
                    (Route::Nurture, 45),
                    (Route::Dq, 47),
                    (Route::Review, 5),
                ],
                Route::Dq,
            ),
        };
        let route_cell = r.weighted(
            &[
                (
                    Some(match route {
                        Route::Ae => "AE",
                        Route::Dq => "DQ",
                        Route::Nurture => "Nurture",
                        Route::Review => "Review",
                    }),
                    965,
                ),
                (None, 25),
                (Some("Recycled"), 10),
            ],
            None,
        );

        // Hand-over to sellers, meetings, first touch.
        let handed = match route {
            Route::Ae => true,
            Route::Review => r.chance(0.3),
            Route::Nurture => r.chance(0.03),
            Route::Dq => false,
        };
        let junk = matches!(
            persona,
            Persona::Student | Persona::JobSeeker | Persona::Competitor
        );
        // seller: Some(true) accepted, Some(false) sent back, None no outcome.
        let (seller, seller_cell) = if !handed {
            (None, None)
        } else if r.chance(0.06) {
            (None, if r.chance(0.5) { Some("pending") } else { None })
        } else {
            let p = if junk {
                0.05
            } else {
                (0.15 + 0.95 * quality).clamp(0.05, 0.97)
            };
            if r.chance(p) {
                (Some(true), Some("accepted"))
            } else {
                (Some(false), Some("sent_back"))
            }
        };
        let (meeting, meeting_cell) = match seller {
            Some(true) => {
                if r.chance(0.08) {
                    (
                        None,
                        if r.chance(0.5) {
                            Some("scheduled")
                        } else {
                            None
                        },
                    )
                } else if r.chance(0.55 + 0.4 * quality) {
                    (Some(true), Some("held"))
                } else {
                    (Some(false), Some("no_show"))
                }
            }
            Some(false) if r.chance(0.25) => (Some(false), Some("no_show")),
            _ => (None, None),
        };
        let touched = if handed {
            r.chance(0.9)
        } else {
            match route {
                Route::Review => r.chance(0.55),
                Route::Nurture => r.chance(0.12),
                _ => r.chance(0.06),
            }
        };
        let first_touch = if touched {
            let speed: [((u64, u64), u32); 5] = if src.fast_touch && handed {
                [
                    ((1, 15), 55),
                    ((16, 60), 25),
                    ((61, 240), 12),
                    ((241, 1440), 6),
                    ((1441, 4320), 2),
                ]
            } else if handed {
                [
                    ((1, 15), 38),
                    ((16, 60), 30),
                    ((61, 240), 18),
                    ((241, 1440), 10),
                    ((1441, 4320), 4),
                ]
            } else {
                [
                    ((1, 15), 5),
                    ((16, 60), 10),
                    ((61, 240), 25),
                    ((241, 1440), 35),
                    ((1441, 10080), 25),
                ]
            };
            let (lo, hi) = r.weighted(&speed, (61, 240));
            Some(r.between(lo, hi))
        } else {
            None
        };
        let feedback: Option<&str> = match (seller, meeting) {
            (Some(_), _) if r.chance(0.12) => None,
            (Some(true), Some(true)) => Some(r.pick(&FEEDBACK_HELD, "Good fit")),
            (Some(true), _) => Some(r.pick(&FEEDBACK_NO_SHOW, "No-show")),
            (Some(false), _) => Some(match persona {
                Persona::Student => "Student, not a buyer",
                Persona::JobSeeker => "Job seeker, not a buyer",
                Persona::Competitor => "Competitor fishing for pricing",
                Persona::Personal if r.chance(0.5) => "Personal email, could not verify company",
                _ if crm == Some(Crm::Duplicate) => "Duplicate of an open lead",
                _ if employees.is_some_and(|e| e <= 20) => "Too small for sales-assist",
                _ => r.pick(&FEEDBACK_SENT_BACK, "No budget this year"),
            }),
            (None, _) if r.chance(0.04) => Some(r.pick(&SDR_NOTES, "Added to nurture")),
            _ => None,
        };

        // Did it become a deal?
        let mut p = 0.002 + 0.30 * quality * quality * quality;
        match seller {
            Some(true) => p *= 1.7,
            Some(false) => p *= 0.45,
            None => {}
        }
        match meeting {
            Some(true) => p *= 1.5,
            Some(false) => p *= 0.6,
            None => {}
        }
        if route == Route::Dq {
            p *= 0.6;
        }
        if crm == Some(Crm::Duplicate) {
            p *= 0.5;
        }
        p = match persona {
            Persona::Student => 0.004,
            Persona::JobSeeker => 0.003,
            Persona::Competitor => 0.004,
            Persona::Personal => p * 0.8,
            Persona::Normal => p,
        };
        let converted = r.chance(p) || force_convert;

        // Sensitive attributes (never to be used; they exist for proxy checks).
        let age_weights: [(usize, u32); 6] = match level {
            Some(LEVEL_STUDENT) => [(0, 80), (1, 18), (2, 2), (3, 0), (4, 0), (5, 0)],
            Some(0) | Some(1) => [(0, 0), (1, 10), (2, 35), (3, 35), (4, 17), (5, 3)],
            Some(2) => [(0, 0), (1, 18), (2, 42), (3, 28), (4, 10), (5, 2)],
            Some(3) => [(0, 3), (1, 38), (2, 35), (3, 18), (4, 6), (5, 0)],
            Some(_) => [(0, 12), (1, 50), (2, 22), (3, 11), (4, 5), (5, 0)],
            None => [(0, 8), (1, 35), (2, 28), (3, 18), (4, 9), (5, 2)],
        };
        let age = if r.chance(0.4) {
            None
        } else {
            AGE_BANDS.get(r.weighted(&age_weights, 1)).copied()
        };
        let gender = if r.chance(0.45) {
            None
        } else {
            Some(r.weighted(&GENDERS, "Prefer not to say"))
        };
        let postal = !r.chance(0.3);

        // ---- Write the lead row, in COLUMNS order.
        let c = &mut self.cells;
        c.clear();
        let _ = write!(c.buf, "L-{:06}", i + 1);
        c.end();
        let _ = write!(c.buf, "{year:04}-{month:02}-{dom:02} {hour:02}:{minute:02}");
        c.end();
        c.opt(
            r,
            if source_missing { None } else { Some(src.name) },
            Miss::Pick,
            0.005,
        );
        c.opt(r, campaign, Miss::Text, 0.0);
        c.opt(r, FORMS.get(form).copied(), Miss::Text, 0.0);
        c.opt(
            r,
            if shown_company {
                Some(self.world.company.as_str())
            } else {
                None
            },
            Miss::Text,
            0.03,
        );
        if self.world.domain.is_empty() || r.chance(0.005) {
            c.missing(r, Miss::Text);
        } else {
            c.spaced(r, &self.world.domain, 0.005);
        }
        c.number(r, shown_employees);
        c.opt(
            r,
            shown_industry
                .and_then(|i| INDUSTRIES.get(i))
                .map(|i| i.name),
            Miss::Pick,
            0.01,
        );
        c.number(r, shown_revenue);
        c.title(r, shown_title);
        c.opt(
            r,
            shown_level.and_then(|l| LEVELS.get(l)).copied(),
            Miss::Pick,
            0.0,
        );
        c.opt(
            r,
            if shown_country {
                COUNTRIES.get(country).map(|k| k.name)
            } else {
                None
            },
            Miss::Pick,
            0.005,
        );
        if postal {
            write_postal(&mut c.buf, r, country);
            c.end();
        } else {
            c.missing(r, Miss::Text);
        }
        c.opt(r, age, Miss::Pick, 0.0);
        c.opt(r, gender, Miss::Pick, 0.0);
        let engagement_cell = if r.chance(0.03) {
            None
        } else {
            Some(engagement)
        };
        if engagement_cell.is_some() && r.chance(0.005) {
            c.buf.push(' ');
        }
        c.number(r, engagement_cell);
        let time_cell = if r.chance(0.05) {
            None
        } else {
            Some(time_on_site)
        };
        c.tenths(r, time_cell);
        let pages_cell = if r.chance(0.04) { None } else { Some(pages) };
        c.number(r, pages_cell);
        c.opt(r, crm.map(Crm::as_str), Miss::Pick, 0.0);
        c.opt(
            r,
            provider.and_then(|p| PROVIDERS.get(p)).map(|p| p.name),
            Miss::Text,
            0.0,
        );
        c.cents(r, confidence);
        c.opt(
            r,
            if provider.is_none() {
                None
            } else if enrich_error {
                Some("1")
            } else {
                Some("0")
            },
            Miss::Text,
            0.0,
        );
        c.opt(r, owner, Miss::Text, 0.02);
        c.opt(
            r,
            if shown_territory {
                Some(territory_name)
            } else {
                None
            },
            Miss::Pick,
            0.0,
        );
        c.opt(r, route_cell, Miss::Pick, 0.005);
        c.number(r, first_touch);
        c.opt(r, seller_cell, Miss::Pick, 0.005);
        c.opt(r, meeting_cell, Miss::Pick, 0.0);
        c.opt(r, feedback, Miss::Text, 0.01);
        leads.write_record(c.fields())?;

        // ---- Deals: a converted lead has one deal, sometimes two; a few deals point at leads
        // that are not in the export (merged or deleted in the CRM).
        if converted {
            let n_deals = if r.chance(0.08) { 2 } else { 1 };
            let base = match employees.unwrap_or(50) {
                0..=50 => (6_000, 20_000),
                51..=200 => (12_000, 45_000),
                201..=1000 => (30_000, 120_000),
                _ => (80_000, 400_000),
            };
            let mut close = day + r.between(14, 200);
            for _ in 0..n_deals {
                let d = &mut self.deal_cells;
                d.clear();
                if r.chance(0.01) {
                    d.buf.push(' ');
                }
                let _ = write!(d.buf, "L-{:06}", i + 1);
                d.end();
                let _ = write!(d.buf, "D-{:07}", self.next_deal);
                d.end();
                self.next_deal += 1;
                let amount = r.between(base.0 / 100, base.1 / 100) * 100;
                let amount_cell = if r.chance(0.01) {
                    None
                } else {
                    Some(amount * 100)
                };
                d.cents(r, amount_cell);
                let (y, m, dd) = ymd(close);
                let _ = write!(d.buf, "{y:04}-{m:02}-{dd:02}");
                d.end();
                deals.write_record(d.fields())?;
                close += r.between(30, 150);
            }
            if r.chance(0.01) {
                self.orphans += 1;
                let d = &mut self.deal_cells;
                d.clear();
                let _ = write!(d.buf, "L-{:06}", self.rows as u64 + self.orphans);
                d.end();
                let _ = write!(d.buf, "D-{:07}", self.next_deal);
                d.end();
                self.next_deal += 1;
                let amount = r.between(base.0 / 100, base.1 / 100) * 100;
                d.cents(r, Some(amount * 100));
                let (y, m, dd) = ymd(close);
                let _ = write!(d.buf, "{y:04}-{m:02}-{dd:02}");
                d.end();
                deals.write_record(d.fields())?;
            }
        }
        Ok(converted)
    }
}
