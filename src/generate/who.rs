//! Who a lead is: the company (stable across leads: the same name always has the same size,
//! country and owner) and the person, by persona.

use super::rng::*;
use super::tables::*;
use super::values::*;
use super::{Companies, Who};

impl Companies {
    /// The company and person of a lead of `persona`, drawn from the generator's stream `r`.
    pub(super) fn who(
        &mut self,
        r: &mut Rng,
        persona: Persona,
        personal_domain: &'static str,
    ) -> Who {
        match persona {
            Persona::Normal | Persona::Personal => {
                // Companies are stable: the same name always has the same size, country, owner.
                let mut attempt = 0;
                let mut who = loop {
                    self.company.clear();
                    self.domain.clear();
                    let ind = r.weighted(&self.industries, IND_SOFTWARE);
                    let words = INDUSTRIES.get(ind).map_or(&[][..], |i| i.words);
                    let p = r.index(PREFIXES.len());
                    let m = if r.chance(0.35) {
                        Some(r.index(MIDDLES.len()))
                    } else {
                        None
                    };
                    let w = r.index(words.len());
                    let key = ((ind as u64) << 48)
                        | ((p as u64) << 32)
                        | ((m.map_or(0, |m| m + 1) as u64) << 16)
                        | w as u64;
                    let mut c = Rng::new(self.seed ^ key.wrapping_mul(0xD1B5_4A32_D192_ED03));
                    let (lo, hi) = c.weighted(&SIZE_BUCKETS, (51, 200));
                    let u = c.unit();
                    let emp = lo + ((hi - lo) as f64 * u * (1.0 + u) * 0.5) as u64;
                    let country = c.weighted(&self.countries, C_US);
                    let revenue_per_employee = c.between(60, 450) * 1000;
                    let split = c.below(2);
                    let owner_seed = c.next_u64();
                    let ctry = COUNTRIES.get(country).unwrap_or(&COUNTRIES[C_US]);
                    let legal = match (ctry.region, country) {
                        (_, C_UK) => {
                            c.weighted(&[("", 45), (" Ltd", 30), (", Ltd.", 15), (" plc", 10)], "")
                        }
                        (_, C_DE) => c.weighted(&[("", 40), (" GmbH", 50), (" AG", 10)], ""),
                        (Region::Na, _) => c.weighted(
                            &[
                                ("", 45),
                                (" Inc.", 20),
                                (", Inc.", 15),
                                (" LLC", 10),
                                (", LLC", 5),
                                (" Corp.", 5),
                            ],
                            "",
                        ),
                        (Region::Emea, _) => {
                            c.weighted(&[("", 60), (" B.V.", 15), (" SAS", 15), (" Ltd", 10)], "")
                        }
                        (Region::Apac, _) => c.weighted(
                            &[("", 60), (" Pte. Ltd.", 15), (" Pvt Ltd", 15), (" Ltd", 10)],
                            "",
                        ),
                        (Region::Latam, _) => {
                            c.weighted(&[("", 60), (" S.A.", 25), (" Ltda.", 15)], "")
                        }
                    };
                    let tld = if c.chance(0.5) { ctry.tld } else { ".com" };
                    let tld = if ind == IND_SOFTWARE && c.chance(0.3) {
                        ".io"
                    } else {
                        tld
                    };
                    let prefix = PREFIXES.get(p).copied().unwrap_or("Acme");
                    self.company.push_str(prefix);
                    push_slug(&mut self.domain, prefix);
                    if let Some(middle) = m.and_then(|m| MIDDLES.get(m)) {
                        self.company.push(' ');
                        self.company.push_str(middle);
                        push_slug(&mut self.domain, middle);
                    }
                    self.company.push(' ');
                    let word = words.get(w).copied().unwrap_or("Group");
                    self.company.push_str(word);
                    push_slug(&mut self.domain, word);
                    self.company.push_str(legal);
                    self.domain.push_str(tld);
                    attempt += 1;
                    // People on personal addresses mostly run small businesses.
                    if persona == Persona::Normal || emp <= 200 || attempt >= 3 || r.chance(0.2) {
                        break Who {
                            industry: Some(ind),
                            employees: Some(emp),
                            country,
                            revenue_per_employee,
                            company_present: true,
                            split,
                            owner_seed,
                            level: None,
                            title: None,
                            persona_score: 0.0,
                        };
                    }
                };
                if persona == Persona::Personal {
                    self.domain.clear();
                    let d = if who.country == C_DE && r.chance(0.4) {
                        if r.chance(0.5) { "gmx.de" } else { "web.de" }
                    } else {
                        personal_domain
                    };
                    self.domain.push_str(d);
                    who.company_present = r.chance(0.7);
                }
                let lw: [(usize, u32); 5] = if who.employees.is_some_and(|e| e <= 20) {
                    [(0, 35), (1, 5), (2, 10), (3, 20), (4, 30)]
                } else {
                    [(0, 6), (1, 10), (2, 17), (3, 26), (4, 41)]
                };
                let lvl = r.weighted(&lw, 4);
                let titles = TITLES.get(lvl).copied().unwrap_or(&[]);
                let (t, fscore) = r.pick(titles, ("Manager", 0.5));
                who.level = Some(lvl);
                who.title = Some(t);
                who.persona_score = LEVEL_SCORE.get(lvl).copied().unwrap_or(0.5) * fscore;
                who
            }
            Persona::Student => {
                let (u, d) = r.pick(&UNIVERSITIES, UNIVERSITIES[0]);
                let company_present = r.chance(0.6);
                self.company.push_str(u);
                self.domain
                    .push_str(if r.chance(0.55) { d } else { personal_domain });
                let employees = Some(r.between(2000, 30000));
                let country = if r.chance(0.6) {
                    C_US
                } else {
                    r.weighted(&self.countries, C_US)
                };
                let level =
                    r.weighted(&[(Some(LEVEL_STUDENT), 75), (None, 20), (Some(4), 5)], None);
                Who {
                    industry: Some(IND_EDUCATION),
                    employees,
                    country,
                    revenue_per_employee: 0,
                    company_present,
                    split: 0,
                    owner_seed: 0,
                    level,
                    title: Some(r.pick(&STUDENT_TITLES, "Student")),
                    persona_score: 0.0,
                }
            }
            Persona::JobSeeker => {
                let company_present = r.chance(0.15);
                self.company.push_str("Self-employed");
                self.domain.push_str(personal_domain);
                let industry = if r.chance(0.3) {
                    Some(r.weighted(&self.industries, IND_SOFTWARE))
                } else {
                    None
                };
                let employees = if r.chance(0.2) { Some(1) } else { None };
                let country = r.weighted(&self.countries, C_US);
                let level = r.weighted(&[(Some(4), 40), (Some(3), 15), (None, 45)], None);
                Who {
                    industry,
                    employees,
                    country,
                    revenue_per_employee: 0,
                    company_present,
                    split: 0,
                    owner_seed: 0,
                    level,
                    title: Some(r.pick(&JOB_SEEKER_TITLES, "Job Seeker")),
                    persona_score: 0.0,
                }
            }
            Persona::Competitor => {
                let (name, d, emp, country) = r.pick(&COMPETITORS, COMPETITORS[0]);
                self.company.push_str(name);
                self.domain
                    .push_str(if r.chance(0.15) { personal_domain } else { d });
                let level = r.weighted(&[(Some(3), 50), (Some(4), 50)], Some(4));
                Who {
                    industry: Some(IND_SOFTWARE),
                    employees: Some(emp),
                    country,
                    revenue_per_employee: 150_000,
                    company_present: true,
                    split: 0,
                    owner_seed: 0,
                    level,
                    title: Some(r.pick(&COMPETITOR_TITLES, "Product Manager")),
                    persona_score: 0.0,
                }
            }
        }
    }
}
