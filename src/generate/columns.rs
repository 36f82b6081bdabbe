//! The generated export's columns (the header as a CRM writes it, the renamed name, a forced
//! type) and the mapping file that describes them.

use std::fmt::Write as _;

use super::GenerateOptions;

pub(super) struct Column {
    pub(super) header: &'static str,
    pub(super) name: &'static str,
    pub(super) kind: Option<&'static str>,
}

pub(super) const fn col(header: &'static str, name: &'static str) -> Column {
    Column {
        header,
        name,
        kind: None,
    }
}

pub(super) const fn num(header: &'static str, name: &'static str) -> Column {
    Column {
        header,
        name,
        kind: Some("number"),
    }
}

pub(super) const fn txt(header: &'static str, name: &'static str) -> Column {
    Column {
        header,
        name,
        kind: Some("text"),
    }
}

pub(super) const COLUMNS: [Column; 30] = [
    col("Lead ID", "lead_id"),
    col("Created Date", "created_at"),
    col("Lead Source", "lead_source"),
    col("Campaign", "campaign"),
    col("Form", "form"),
    col("Company", "company"),
    col("Email Domain", "email_domain"),
    num("Employees", "employees"),
    col("Industry", "industry"),
    num("Annual Revenue", "annual_revenue"),
    col("Job Title", "job_title"),
    col("Job Level", "job_level"),
    col("Country", "country"),
    txt("Postal Code", "postal_code"),
    col("Age Band", "age_band"),
    col("Gender", "gender"),
    num("Engagement Score", "engagement_score"),
    num("Total Time Spent on Website", "time_on_site"),
    num("Pages Viewed", "pages_viewed"),
    col("CRM Match", "crm_match"),
    col("Enrichment Source", "enrichment_source"),
    num("Enrichment Confidence", "enrichment_confidence"),
    txt("Enrichment Error", "enrichment_error"),
    col("Account Owner", "account_owner"),
    col("Territory", "territory"),
    col("SDR Route", "sdr_route"),
    num("First Touch Minutes", "first_touch_minutes"),
    col("Seller Outcome", "seller_outcome"),
    col("Meeting", "meeting"),
    col("Seller Feedback", "seller_feedback"),
];

pub(super) fn mapping_text(opts: &GenerateOptions) -> String {
    let mut s = String::with_capacity(4096);
    let _ = writeln!(
        s,
        "# Dataset mapping written by `leadpolicy generate` (seed {}, {} rows).\n\
         # Synthetic data: the same seed always gives byte-identical files.\n\
         # Keys of [columns] are the CRM export headers; everything else uses the renamed names.\n",
        opts.seed, opts.rows
    );
    let _ = writeln!(
        s,
        "[dataset]\n\
         name = \"Synthetic inbound leads 2025 (seed {})\"\n\
         leads = \"leads.csv\"\n\
         outcomes = {{ file = \"deals.csv\", key = \"Lead ID\", converted_at = \"Closed Date\" }}  # a lead present there converted, on its earliest Closed Date\n\
         id = \"lead_id\"\n\
         missing = [\"\", \"Select\", \"N/A\", \"-\"]\n\n\
         [columns]",
        opts.seed
    );
    for c in &COLUMNS {
        let _ = write!(s, "\"{}\" = {{ name = \"{}\"", c.header, c.name);
        if let Some(kind) = c.kind {
            let _ = write!(s, ", type = \"{kind}\"");
        }
        s.push_str(" }\n");
    }
    s.push_str(
        "\n[roles]\n\
         created_at = \"created_at\"\n\
         source = \"lead_source\"\n\
         campaign = \"campaign\"\n\
         form = \"form\"\n\
         crm_match = \"crm_match\"\n\
         enrichment_source = \"enrichment_source\"\n\
         enrichment_confidence = \"enrichment_confidence\"\n\
         enrichment_error = { column = \"enrichment_error\", true = [\"1\"] }\n\
         account_owner = \"account_owner\"\n\
         first_touch_minutes = \"first_touch_minutes\"\n\
         seller_outcome = { column = \"seller_outcome\", accepted = [\"accepted\"], sent_back = [\"sent_back\"] }\n\
         meeting = { column = \"meeting\", held = [\"held\"], no_show = [\"no_show\"] }\n\
         historical_decision = { column = \"sdr_route\", accepted = [\"AE\"], rejected = [\"DQ\"], nurture = [\"Nurture\"], unresolved = [\"Review\"] }\n\
         seller_feedback = \"seller_feedback\"\n",
    );
    s
}
