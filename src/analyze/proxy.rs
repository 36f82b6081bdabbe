//! Proxy detection: how strongly each field the policy reads is associated with each sensitive
//! field present in the dataset.
//!
//! Method. For every pair (field the policy reads, sensitive field listed in `[fields]
//! sensitive` and present in the dataset), over the policy's in-scope leads, both fields are cut
//! into categories by [`super::categorize`] (text: top 20 values + `(other)`; numbers: 5
//! quantile bins; missing is its own category), and the r × c contingency table of observed
//! counts `O` is built. Rows and columns with no leads are dropped. With `n` leads, row totals
//! `R_i`, column totals `C_j` and expected counts `E_ij = R_i·C_j / n`:
//!
//! `χ² = Σ (O_ij − E_ij)² / E_ij`,  **Cramér's V** `= √( χ² / (n · (min(r, c) − 1)) )`,
//!
//! between 0 (independent) and 1 (one determines the other). V is not available (null) when
//! either field has fewer than two categories. Pairs are ranked by V, highest first; a pair with
//! `V ≥ proxy_threshold` is flagged "may act as a proxy for <sensitive field>".
//!
//! Missingness. V is computed twice: with `(missing)` as a category (above), and on the leads
//! where both fields have a value. A flag whose association is gone where both are present is
//! worded as carried by missingness ("leads with no visits never fill in a country"): the field
//! stands in for the sensitive one through whether it is filled, not through its values.

use serde::Serialize;

use super::{Evaluated, categorize, fields_read};
use crate::dataset::Dataset;
use crate::error::Error;
use crate::replay::MISSING_GROUP;

#[derive(Debug, Clone, Serialize)]
pub struct ProxyPair {
    pub field: String,
    pub sensitive: String,
    /// Cramér's V; `None` when a field has a single category.
    pub cramers_v: Option<f64>,
    /// Cramér's V on the leads where both fields have a value (missing left out).
    pub cramers_v_present: Option<f64>,
    pub flagged: bool,
    /// For a flagged pair: `missingness` when the association is gone where both values are
    /// present (one field is missing more often for some groups of the other), else `values`.
    pub carried_by: Option<&'static str>,
    /// In-scope leads in the table.
    pub leads: usize,
    /// Categories (rows × columns) after empty ones are dropped.
    pub categories: (usize, usize),
    pub field_method: String,
    pub sensitive_method: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Proxies {
    pub threshold: f64,
    /// `[fields] sensitive` entries the dataset has.
    pub sensitive_fields: Vec<String>,
    /// `[fields] sensitive` entries the dataset lacks (nothing to check).
    pub sensitive_absent: Vec<String>,
    /// Ranked by Cramér's V, highest first (unavailable last).
    pub pairs: Vec<ProxyPair>,
}

impl ProxyPair {
    /// The finding in words, saying which strength carries it.
    pub fn finding(&self) -> String {
        let present = self
            .cramers_v_present
            .map_or("n/a".into(), |v| format!("{v:.2}"));
        match self.carried_by {
            Some("missingness") => format!(
                "{} may act as a proxy for {}, through whether it is missing (V {present} where both have a value)",
                self.field, self.sensitive
            ),
            _ => format!(
                "{} may act as a proxy for {} through its values (V {present} where both have a value)",
                self.field, self.sensitive
            ),
        }
    }
}

impl Proxies {
    pub fn flagged(&self) -> impl Iterator<Item = &ProxyPair> {
        self.pairs.iter().filter(|p| p.flagged)
    }
}

/// Cramér's V of a contingency table (rows and columns with zero totals are ignored), with the
/// number of non-empty rows and columns. See the module docs for the formula.
pub fn cramers_v(table: &[Vec<usize>]) -> (Option<f64>, usize, usize) {
    let rows: Vec<&Vec<usize>> = table
        .iter()
        .filter(|r| r.iter().sum::<usize>() > 0)
        .collect();
    let width = table.first().map_or(0, Vec::len);
    let col_tot: Vec<usize> = (0..width)
        .map(|j| rows.iter().map(|r| r.get(j).copied().unwrap_or(0)).sum())
        .collect();
    let cols: Vec<usize> = (0..width).filter(|&j| col_tot[j] > 0).collect();
    let n: usize = col_tot.iter().sum();
    let (r, c) = (rows.len(), cols.len());
    if r < 2 || c < 2 || n == 0 {
        return (None, r, c);
    }
    let nf = n as f64;
    let mut chi2 = 0.0;
    for row in &rows {
        let rt: usize = row.iter().sum();
        for &j in &cols {
            let e = rt as f64 * col_tot[j] as f64 / nf;
            let o = row.get(j).copied().unwrap_or(0) as f64;
            chi2 += (o - e) * (o - e) / e;
        }
    }
    let k = (r.min(c) - 1) as f64;
    (Some((chi2 / (nf * k)).sqrt().min(1.0)), r, c)
}

pub(crate) fn proxies(e: &Evaluated<'_>, ds: &Dataset, threshold: f64) -> Result<Proxies, Error> {
    let p = e.policy;
    let include = |i: usize| e.in_scope(i);
    let (present, absent): (Vec<String>, Vec<String>) = p
        .sensitive
        .iter()
        .map(|s| s.name.clone())
        .partition(|s| ds.field(s).is_some());
    let sensitive: Vec<(String, super::Categories)> = present
        .iter()
        .map(|s| Ok((s.clone(), categorize(ds, s, &include)?)))
        .collect::<Result<_, Error>>()?;
    let mut pairs = Vec::new();
    for field in fields_read(p) {
        if ds.field(&field).is_none() {
            continue;
        }
        let fc = categorize(ds, &field, &include)?;
        for (s, sc) in &sensitive {
            let mut table = vec![vec![0usize; sc.names.len()]; fc.names.len()];
            let mut n = 0;
            for (a, b) in fc.codes.iter().zip(&sc.codes) {
                if let (Some(a), Some(b)) = (a, b) {
                    table[*a as usize][*b as usize] += 1;
                    n += 1;
                }
            }
            let (v, r, c) = cramers_v(&table);
            // The same table without the `(missing)` row and column.
            let missing_row = fc.names.iter().position(|n| n == MISSING_GROUP);
            let missing_col = sc.names.iter().position(|n| n == MISSING_GROUP);
            let present: Vec<Vec<usize>> = table
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != missing_row)
                .map(|(_, row)| {
                    row.iter()
                        .enumerate()
                        .filter(|(j, _)| Some(*j) != missing_col)
                        .map(|(_, n)| *n)
                        .collect()
                })
                .collect();
            let (v_present, _, _) = cramers_v(&present);
            let flagged = v.is_some_and(|v| v >= threshold);
            pairs.push(ProxyPair {
                field: field.clone(),
                sensitive: s.clone(),
                cramers_v: v,
                cramers_v_present: v_present,
                flagged,
                carried_by: flagged.then(|| {
                    if v_present.is_some_and(|vp| vp >= threshold) {
                        "values"
                    } else {
                        "missingness"
                    }
                }),
                leads: n,
                categories: (r, c),
                field_method: fc.method.clone(),
                sensitive_method: sc.method.clone(),
            });
        }
    }
    pairs.sort_by(|a, b| {
        b.cramers_v
            .unwrap_or(-1.0)
            .total_cmp(&a.cramers_v.unwrap_or(-1.0))
            .then_with(|| a.field.cmp(&b.field))
            .then_with(|| a.sensitive.cmp(&b.sensitive))
    });
    Ok(Proxies {
        threshold,
        sensitive_fields: present,
        sensitive_absent: absent,
        pairs,
    })
}
