//! The synthetic world the generator draws from: forms, sources, industries, company names,
//! countries, job titles, providers, territories and the seller notes, with their weights.
//! Changing any of them changes every generated file.

pub(super) const FORM_NONE: usize = 5;
pub(super) const FORMS: [&str; 5] = [
    "demo_form",
    "contact_us",
    "ebook_form",
    "webinar_reg",
    "partner_portal",
];

// Per form (demo_form, contact_us, ebook_form, webinar_reg, partner_portal, none): probability
// that the export lacks employees, industry, job level, revenue, country, job title, company.
// Firmographic gaps shrink when enrichment succeeded.
pub(super) const F_EMP: usize = 0;
pub(super) const F_IND: usize = 1;
pub(super) const F_LVL: usize = 2;
pub(super) const F_REV: usize = 3;
pub(super) const F_CTRY: usize = 4;
pub(super) const F_TITLE: usize = 5;
pub(super) const F_COMPANY: usize = 6;
pub(super) const FORM_MISSING: [[f64; 7]; 6] = [
    [0.04, 0.05, 0.06, 0.45, 0.02, 0.03, 0.01],
    [0.30, 0.30, 0.25, 0.70, 0.10, 0.15, 0.05],
    [0.80, 0.75, 0.45, 0.85, 0.30, 0.35, 0.20],
    [0.35, 0.25, 0.15, 0.75, 0.15, 0.05, 0.05],
    [0.01, 0.01, 0.02, 0.10, 0.00, 0.01, 0.00],
    [0.45, 0.40, 0.35, 0.80, 0.20, 0.15, 0.05],
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Persona {
    Normal,
    Personal,
    Student,
    JobSeeker,
    Competitor,
}

pub(super) struct Source {
    pub(super) name: &'static str,
    pub(super) weight: u32,
    /// Weights of FORMS plus "no form" (list imports, badge scans).
    pub(super) forms: [u32; 6],
    pub(super) family: &'static str,
    pub(super) themes: &'static [&'static str],
    pub(super) campaign_missing: f64,
    pub(super) engagement_bonus: f64,
    /// Normal, Personal, Student, JobSeeker, Competitor.
    pub(super) personas: [u32; 5],
    pub(super) fast_touch: bool,
}

pub(super) const SOURCES: [Source; 8] = [
    Source {
        name: "demo_request",
        weight: 16,
        forms: [85, 15, 0, 0, 0, 0],
        family: "demo",
        themes: &["always-on", "pricing-page"],
        campaign_missing: 0.03,
        engagement_bonus: 18.0,
        personas: [84, 9, 2, 2, 3],
        fast_touch: true,
    },
    Source {
        name: "webinar",
        weight: 15,
        forms: [0, 5, 0, 95, 0, 0],
        family: "webinar",
        themes: &["ai-ops", "revops-101", "data-quality", "forecasting"],
        campaign_missing: 0.02,
        engagement_bonus: 4.0,
        personas: [78, 9, 7, 4, 2],
        fast_touch: false,
    },
    Source {
        name: "content_download",
        weight: 19,
        forms: [0, 5, 95, 0, 0, 0],
        family: "ebook",
        themes: &["state-of-revops", "lead-scoring-guide", "ai-playbook"],
        campaign_missing: 0.04,
        engagement_bonus: -6.0,
        personas: [70, 12, 10, 6, 2],
        fast_touch: false,
    },
    Source {
        name: "paid_search",
        weight: 16,
        forms: [45, 25, 30, 0, 0, 0],
        family: "paid-search",
        themes: &["brand", "competitor", "generic"],
        campaign_missing: 0.05,
        engagement_bonus: 3.0,
        personas: [80, 10, 4, 3, 3],
        fast_touch: false,
    },
    Source {
        name: "partner_referral",
        weight: 7,
        forms: [0, 10, 0, 0, 90, 0],
        family: "partner",
        themes: &["co-sell", "marketplace"],
        campaign_missing: 0.08,
        engagement_bonus: 14.0,
        personas: [96, 3, 0, 0, 1],
        fast_touch: true,
    },
    Source {
        name: "event",
        weight: 10,
        forms: [20, 20, 0, 0, 0, 60],
        family: "event",
        themes: &["saastr", "dreamforce", "roadshow"],
        campaign_missing: 0.04,
        engagement_bonus: 6.0,
        personas: [85, 6, 5, 3, 1],
        fast_touch: false,
    },
    Source {
        name: "organic_search",
        weight: 10,
        forms: [30, 50, 20, 0, 0, 0],
        family: "organic",
        themes: &["seo-blog", "g2-reviews"],
        campaign_missing: 0.70,
        engagement_bonus: 2.0,
        personas: [74, 11, 7, 6, 2],
        fast_touch: false,
    },
    Source {
        name: "list_import",
        weight: 5,
        forms: [0, 0, 0, 0, 0, 100],
        family: "list",
        themes: &["tradeshow-import", "purchased-list"],
        campaign_missing: 0.10,
        engagement_bonus: -15.0,
        personas: [88, 8, 2, 1, 1],
        fast_touch: false,
    },
];

pub(super) struct Industry {
    pub(super) name: &'static str,
    pub(super) weight: u32,
    /// How well the industry fits the product (latent, never exported).
    pub(super) score: f64,
    pub(super) words: &'static [&'static str],
}

pub(super) const IND_SOFTWARE: usize = 0;
pub(super) const IND_EDUCATION: usize = 9;
pub(super) const INDUSTRIES: [Industry; 12] = [
    Industry {
        name: "software",
        weight: 22,
        score: 1.0,
        words: &[
            "Software",
            "Systems",
            "Labs",
            "Cloud",
            "Analytics",
            "Technologies",
            "Data",
        ],
    },
    Industry {
        name: "fintech",
        weight: 9,
        score: 0.95,
        words: &[
            "Payments",
            "Capital",
            "Financial",
            "Pay",
            "Lending",
            "Ledger",
        ],
    },
    Industry {
        name: "healthcare",
        weight: 10,
        score: 0.75,
        words: &["Health", "Medical", "Care", "Clinics", "Biosciences"],
    },
    Industry {
        name: "logistics",
        weight: 6,
        score: 0.7,
        words: &["Logistics", "Freight", "Shipping", "Supply Co"],
    },
    Industry {
        name: "professional_services",
        weight: 10,
        score: 0.6,
        words: &["Consulting", "Partners", "Advisory", "Group"],
    },
    Industry {
        name: "manufacturing",
        weight: 11,
        score: 0.55,
        words: &[
            "Manufacturing",
            "Industries",
            "Components",
            "Robotics",
            "Machining",
        ],
    },
    Industry {
        name: "telecom",
        weight: 5,
        score: 0.6,
        words: &["Telecom", "Networks", "Communications", "Wireless"],
    },
    Industry {
        name: "retail",
        weight: 8,
        score: 0.45,
        words: &["Retail", "Goods", "Outfitters", "Market", "Brands"],
    },
    Industry {
        name: "media",
        weight: 5,
        score: 0.4,
        words: &["Media", "Studios", "Publishing", "Digital"],
    },
    Industry {
        name: "education",
        weight: 7,
        score: 0.2,
        words: &["Learning", "Academy", "Education", "Schools"],
    },
    Industry {
        name: "government",
        weight: 4,
        score: 0.25,
        words: &["County Services", "Public Works", "Municipal Authority"],
    },
    Industry {
        name: "nonprofit",
        weight: 3,
        score: 0.1,
        words: &["Foundation", "Alliance", "Trust", "Fund"],
    },
];

pub(super) const PREFIXES: [&str; 48] = [
    "Acme",
    "Northwind",
    "Blue Harbor",
    "Crestline",
    "Ironbridge",
    "Silverleaf",
    "Redwood",
    "Summit",
    "Bright Path",
    "Cobalt",
    "Granite",
    "Harborview",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Oakridge",
    "Pinnacle",
    "Quantum",
    "Riverstone",
    "Sterling",
    "Tidewater",
    "Vantage",
    "Westfield",
    "Zenith",
    "Apex",
    "Beacon",
    "Cascade",
    "Evergreen",
    "Falcon",
    "Horizon",
    "Keystone",
    "Lakeside",
    "Maple",
    "Orion",
    "Polaris",
    "Sequoia",
    "Trailhead",
    "Union",
    "Vertex",
    "Willow",
    "Copperline",
    "Driftwood",
    "Elm Street",
    "Foxglove",
    "Goldcrest",
    "Hollow Pine",
    "Juniper",
    "Kestrel",
];

pub(super) const MIDDLES: [&str; 10] = [
    "Global", "North", "Pacific", "Atlantic", "United", "First", "Digital", "Smart", "Prime",
    "Next",
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Region {
    Na,
    Emea,
    Apac,
    Latam,
}

pub(super) struct Country {
    pub(super) name: &'static str,
    pub(super) weight: u32,
    pub(super) region: Region,
    pub(super) tld: &'static str,
}

pub(super) const fn country(
    name: &'static str,
    weight: u32,
    region: Region,
    tld: &'static str,
) -> Country {
    Country {
        name,
        weight,
        region,
        tld,
    }
}

pub(super) const C_US: usize = 0;
pub(super) const C_UK: usize = 2;
pub(super) const C_DE: usize = 3;
pub(super) const COUNTRIES: [Country; 14] = [
    country("United States", 44, Region::Na, ".com"),
    country("Canada", 6, Region::Na, ".ca"),
    country("United Kingdom", 12, Region::Emea, ".co.uk"),
    country("Germany", 8, Region::Emea, ".de"),
    country("France", 5, Region::Emea, ".fr"),
    country("Netherlands", 3, Region::Emea, ".nl"),
    country("Spain", 2, Region::Emea, ".es"),
    country("Sweden", 2, Region::Emea, ".se"),
    country("Australia", 4, Region::Apac, ".com.au"),
    country("India", 6, Region::Apac, ".in"),
    country("Singapore", 2, Region::Apac, ".sg"),
    country("Japan", 2, Region::Apac, ".jp"),
    country("Brazil", 3, Region::Latam, ".com.br"),
    country("Mexico", 2, Region::Latam, ".mx"),
];

pub(super) fn country_weights() -> [(usize, u32); 14] {
    let mut w = [(0usize, 0u32); 14];
    for (i, c) in COUNTRIES.iter().enumerate() {
        if let Some(slot) = w.get_mut(i) {
            *slot = (i, c.weight);
        }
    }
    w
}

pub(super) fn industry_weights() -> [(usize, u32); 12] {
    let mut w = [(0usize, 0u32); 12];
    for (i, ind) in INDUSTRIES.iter().enumerate() {
        if let Some(slot) = w.get_mut(i) {
            *slot = (i, ind.weight);
        }
    }
    w
}

// Company size buckets (employees), weights for the whole market.
pub(super) const SIZE_BUCKETS: [((u64, u64), u32); 6] = [
    ((1, 10), 12),
    ((11, 50), 20),
    ((51, 200), 24),
    ((201, 1000), 22),
    ((1001, 5000), 14),
    ((5001, 50000), 8),
];

pub(super) const LEVEL_STUDENT: usize = 5;
pub(super) const LEVELS: [&str; 6] = [
    "c_level",
    "vp",
    "director",
    "manager",
    "individual_contributor",
    "student",
];

// Titles per level with a persona score (how close to the buyer: sales, marketing, revops).
pub(super) const TITLES: [&[(&str, f64)]; 5] = [
    &[
        ("CEO", 0.8),
        ("Founder & CEO", 0.85),
        ("Chief Revenue Officer", 1.0),
        ("CMO", 0.9),
        ("CFO", 0.5),
        ("CTO", 0.55),
        ("COO", 0.7),
        ("Co-Founder", 0.8),
    ],
    &[
        ("VP Sales", 1.0),
        ("VP of Marketing", 0.95),
        ("VP, Revenue Operations", 1.0),
        ("VP Engineering", 0.45),
        ("VP Finance", 0.4),
        ("SVP, Global Sales", 1.0),
        ("VP Customer Success", 0.6),
    ],
    &[
        ("Director of Sales", 0.95),
        ("Director, Demand Generation", 0.95),
        ("Sales Operations Director", 1.0),
        ("Director of IT", 0.5),
        ("Head of Growth", 0.9),
        ("Head of RevOps", 1.0),
        ("Director of Finance", 0.35),
    ],
    &[
        ("Marketing Manager", 0.75),
        ("Sales Manager", 0.8),
        ("RevOps Manager", 0.9),
        ("IT Manager", 0.4),
        ("Marketing Operations Manager", 0.85),
        ("Finance Manager", 0.3),
        ("HR Manager", 0.15),
    ],
    &[
        ("Sales Development Representative", 0.35),
        ("Account Executive", 0.4),
        ("Marketing Specialist", 0.4),
        ("Data Analyst", 0.3),
        ("Software Engineer", 0.15),
        ("Marketing Coordinator", 0.3),
        ("Sales Operations Analyst", 0.5),
        ("Consultant", 0.3),
    ],
];

pub(super) const LEVEL_SCORE: [f64; 5] = [0.85, 1.0, 0.95, 0.7, 0.35];

pub(super) const STUDENT_TITLES: [&str; 7] = [
    "Student",
    "MBA Candidate",
    "PhD Student",
    "Graduate Student",
    "student",
    "Intern",
    "MSc Student",
];
pub(super) const JOB_SEEKER_TITLES: [&str; 6] = [
    "Job Seeker",
    "Looking for new opportunities",
    "Open to Work",
    "Unemployed",
    "Between roles",
    "job seeker",
];
pub(super) const COMPETITOR_TITLES: [&str; 5] = [
    "Product Marketing Manager",
    "Competitive Intelligence Analyst",
    "Solutions Engineer",
    "Product Manager",
    "Sales Engineer",
];

/// (company, email domain, employees, country index)
pub(super) const COMPETITORS: [(&str, &str, u64, usize); 5] = [
    ("LeadSpark, Inc.", "leadspark.io", 420, C_US),
    ("RouteWise", "routewise.com", 180, C_US),
    ("RouteWise", "eu.routewise.com", 180, C_UK),
    ("FunnelForge", "funnelforge.ai", 95, C_US),
    ("Qualifi Labs GmbH", "qualifilabs.com", 260, C_DE),
];

pub(super) const UNIVERSITIES: [(&str, &str); 6] = [
    ("State University", "stateu.edu"),
    ("University of Westbrook", "westbrook.edu"),
    ("Riverside College", "riverside.edu"),
    ("Northfield Institute of Technology", "nit.edu"),
    ("Lakeshore University", "lakeshore.edu"),
    ("Université de Lyon", "univ-lyon.fr"),
];

pub(super) const PERSONAL_DOMAINS: [(&str, u32); 7] = [
    ("gmail.com", 55),
    ("yahoo.com", 12),
    ("outlook.com", 12),
    ("hotmail.com", 10),
    ("icloud.com", 6),
    ("proton.me", 3),
    ("aol.com", 2),
];

pub(super) struct Provider {
    pub(super) name: &'static str,
    pub(super) weight: u32,
    pub(super) error_rate: f64,
    pub(super) mean: f64,
    pub(super) sd: f64,
}

pub(super) const PROVIDERS: [Provider; 3] = [
    Provider {
        name: "clearbit",
        weight: 38,
        error_rate: 0.04,
        mean: 0.76,
        sd: 0.12,
    },
    Provider {
        name: "zoominfo",
        weight: 34,
        error_rate: 0.015,
        mean: 0.84,
        sd: 0.08,
    },
    Provider {
        name: "apollo",
        weight: 22,
        error_rate: 0.07,
        mean: 0.63,
        sd: 0.16,
    },
];
pub(super) const NO_PROVIDER_WEIGHT: u32 = 6;

pub(super) const TERRITORIES: [(&str, &[&str]); 7] = [
    (
        "NA Enterprise",
        &["Dana Whitfield", "Marcus Chen", "Priya Raman"],
    ),
    ("NA East", &["Marcus Chen", "Tom Becker", "Alicia Gomez"]),
    ("NA West", &["Priya Raman", "Jordan Lee", "Sam Okafor"]),
    ("EMEA Enterprise", &["Sophie Laurent", "Henrik Larsen"]),
    (
        "EMEA Commercial",
        &["Henrik Larsen", "Chloe Martin", "Oliver Grant"],
    ),
    ("APAC", &["Kenji Watanabe", "Aisha Khan"]),
    ("LATAM", &["Lucas Pereira", "Alicia Gomez"]),
];

/// For each territory, the territory it overlaps with (same region).
pub(super) const OVERLAPS: [usize; 7] = [1, 0, 0, 4, 3, 5, 6];

pub(super) const AGE_BANDS: [&str; 6] = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
pub(super) const GENDERS: [(&str, u32); 4] = [
    ("Female", 38),
    ("Male", 47),
    ("Non-binary", 2),
    ("Prefer not to say", 13),
];

pub(super) const FEEDBACK_HELD: [&str; 6] = [
    "Good fit, demo booked",
    "Strong pain on lead routing; moving to discovery",
    "Budget approved for this half",
    "Champion identified",
    "Great call - evaluating vs. incumbent",
    "Multi-threaded, security review next",
];
pub(super) const FEEDBACK_NO_SHOW: [&str; 3] = [
    "No-show for first meeting, rescheduling",
    "Booked but ghosted",
    "Hard to reach, left voicemail",
];
pub(super) const FEEDBACK_SENT_BACK: [&str; 6] = [
    "No budget this year",
    "Not a decision maker",
    "Wrong contact, asked to reach IT",
    "Timing: revisit next year",
    "Existing customer, routed to CSM",
    "Just researching, no project",
];
pub(super) const SDR_NOTES: [&str; 4] = [
    "Added to nurture",
    "Needs research: company size unclear",
    "Bad email, bounced",
    "Unsubscribed",
];

pub(super) const HOURS: [(u64, u32); 24] = [
    (0, 1),
    (1, 1),
    (2, 1),
    (3, 1),
    (4, 1),
    (5, 2),
    (6, 3),
    (7, 6),
    (8, 10),
    (9, 14),
    (10, 15),
    (11, 14),
    (12, 12),
    (13, 13),
    (14, 14),
    (15, 13),
    (16, 11),
    (17, 8),
    (18, 5),
    (19, 4),
    (20, 3),
    (21, 2),
    (22, 2),
    (23, 1),
];

pub(super) const MONTH_DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
