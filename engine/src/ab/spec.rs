//! [`AbSpec`]: an `ab` cell's body, parsed. The grammar is in the
//! [module docs](crate::ab); parsing never panics and reports every bad line
//! at once, each with its line number.

use std::fmt::Write as _;

use glint_stats::{Correction, Sides};

use crate::error::{EngineError, ErrorKind, Result};

/// An A/B read-out request: which experiment, how units are assigned and
/// which metrics to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct AbSpec {
    /// The value of `experiment_column` that marks an exposure.
    pub experiment: String,
    /// Column holding the experiment id (default `properties.experiment_id`).
    pub experiment_column: String,
    /// Column holding the arm name (default `properties.variant`).
    pub variant_column: String,
    /// The arm every other arm is compared with.
    pub control: String,
    /// The randomisation unit's column (default `user_id`).
    pub unit: String,
    /// The event-name column that metric event names match (default `event`).
    pub event_column: String,
    /// The event time column (default `ts`, the ingest's friendly name of `timestamp`).
    pub time_column: String,
    pub alpha: f64,
    pub sides: Sides,
    /// `None`: no correction across arms × metrics.
    pub correction: Option<Correction>,
    pub srm_weights: SrmWeights,
    /// SRM is flagged when its p-value is below this (default 0.001).
    pub srm_threshold: f64,
    /// Always-valid (mixture SPRT) p-values and intervals.
    pub sequential: bool,
    /// CUPED for count and sum metrics: the covariate is the same per-unit
    /// aggregate over this many days before the unit's exposure.
    pub cuped_days: Option<u32>,
    /// Also read out each value of this column (the unit's value on its
    /// first exposure), as exploratory rows outside the correction.
    pub breakdown: Option<String>,
    pub metrics: Vec<Metric>,
}

/// The intended traffic split for the SRM check.
#[derive(Debug, Clone, PartialEq)]
pub enum SrmWeights {
    Equal,
    /// One weight per arm in report order: control first, then the other arms by name.
    Ordered(Vec<f64>),
    /// `arm=weight` pairs, one per arm.
    Named(Vec<(String, f64)>),
}

/// One metric line.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: String,
    pub definition: MetricDef,
    /// Upper cap of the per-unit value (count and sum metrics only).
    pub cap: Option<Cap>,
    /// The `metric:` line, for messages.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetricDef {
    /// 1 when the unit did `event` at or after its exposure, else 0.
    Conversion { event: String },
    /// A per-unit count or sum (Welch's t-test on the per-unit mean).
    Value(Aggregate),
    /// Σ numerator / Σ denominator over units (delta method).
    Ratio { numerator: Aggregate, denominator: Aggregate },
}

/// A per-unit aggregate over the unit's events at or after exposure.
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregate {
    /// Number of events (of `event`, or all events).
    Count { event: Option<String> },
    /// Sum of a numeric column (over `event`, or all events); NULL counts as 0.
    Sum { column: String, event: Option<String> },
}

/// How a per-unit value is capped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cap {
    /// At this percentile (in (0, 100)) of the per-unit values of all arms pooled.
    Percentile(f64),
    /// At a fixed value.
    Value(f64),
}

impl MetricDef {
    /// `conversion`, `count`, `sum` or `ratio`.
    pub fn kind(&self) -> &'static str {
        match self {
            MetricDef::Conversion { .. } => "conversion",
            MetricDef::Value(Aggregate::Count { .. }) => "count",
            MetricDef::Value(Aggregate::Sum { .. }) => "sum",
            MetricDef::Ratio { .. } => "ratio",
        }
    }
}

impl std::str::FromStr for AbSpec {
    type Err = EngineError;
    fn from_str(body: &str) -> Result<AbSpec> {
        AbSpec::parse(body)
    }
}

const KEYS: [&str; 17] = [
    "experiment",
    "experiment_column",
    "variant_column",
    "control",
    "unit",
    "event_column",
    "time_column",
    "alpha",
    "sides",
    "correction",
    "srm_weights",
    "srm_threshold",
    "sequential",
    "cuped",
    "breakdown",
    "metric",
    "cap",
];

impl AbSpec {
    /// Parses a cell body. All problems are reported together, one line each
    /// (`line N: ...`), in an [`ErrorKind::InvalidInput`] error.
    pub fn parse(body: &str) -> Result<AbSpec> {
        let mut p = Parser::default();
        for (i, raw) in body.lines().enumerate() {
            p.line(i + 1, raw);
        }
        p.finish()
    }
}

#[derive(Default)]
struct Parser {
    /// (line, message); line 0 for the body as a whole.
    errors: Vec<(usize, String)>,
    /// Single-valued keys: (key, line, value).
    values: Vec<(String, usize, String)>,
    metrics: Vec<Metric>,
    /// (metric name, cap, line).
    caps: Vec<(String, Cap, usize)>,
}

impl Parser {
    fn error(&mut self, line: usize, message: impl AsRef<str>) {
        self.errors.push((line, message.as_ref().to_string()));
    }

    fn line(&mut self, n: usize, raw: &str) {
        let text = strip_comment(raw).trim();
        if text.is_empty() {
            return;
        }
        let Some((key, value)) = text.split_once(':') else {
            self.error(n, format!("expected `key: value`, got `{text}`"));
            return;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "metric" => match parse_metric(value, n) {
                Ok(m) => {
                    if self.metrics.iter().any(|o| o.name == m.name) {
                        self.error(n, format!("metric `{}` is defined twice", m.name));
                    } else {
                        self.metrics.push(m);
                    }
                }
                Err(e) => self.error(n, e),
            },
            "cap" => match parse_cap(value) {
                Ok((name, cap)) => self.caps.push((name, cap, n)),
                Err(e) => self.error(n, e),
            },
            k if KEYS.contains(&k) => {
                if let Some((_, first, _)) = self.values.iter().find(|(o, _, _)| *o == key) {
                    let first = *first;
                    self.error(n, format!("`{key}` is given twice (first on line {first})"));
                } else if value.is_empty() {
                    self.error(n, format!("`{key}` needs a value"));
                } else {
                    self.values.push((key, n, unquote(value).to_string()));
                }
            }
            _ => {
                let hint = KEYS.iter().find(|k| strsim::jaro_winkler(k, &key) > 0.85);
                let mut msg = format!("unknown key `{key}`");
                match hint {
                    Some(k) => write!(msg, "; did you mean `{k}`?").unwrap_or(()),
                    None => write!(msg, "; keys are {}", KEYS.join(", ")).unwrap_or(()),
                }
                self.error(n, msg);
            }
        }
    }

    fn take(&self, key: &str) -> Option<(usize, &str)> {
        self.values.iter().find(|(k, _, _)| k == key).map(|(_, n, v)| (*n, v.as_str()))
    }

    fn column(&mut self, key: &str, default: &str) -> String {
        match self.take(key).map(|(n, v)| (n, v.to_string())) {
            None => default.to_string(),
            Some((n, v)) => {
                if !is_column(&v) {
                    self.error(n, format!("`{v}` is not a column name (letters, digits, `_`, dots for nested fields)"));
                }
                v
            }
        }
    }

    fn finish(mut self) -> Result<AbSpec> {
        let required = |p: &mut Parser, key: &str, what: &str| -> String {
            match p.take(key) {
                Some((_, v)) => v.to_string(),
                None => {
                    p.errors.push((0, format!("`{key}:` is missing ({what})")));
                    String::new()
                }
            }
        };
        let experiment = required(&mut self, "experiment", "the experiment id to read out");
        let control = required(&mut self, "control", "the control arm's name");
        let experiment_column = self.column("experiment_column", "properties.experiment_id");
        let variant_column = self.column("variant_column", "properties.variant");
        let unit = self.column("unit", "user_id");
        let event_column = self.column("event_column", "event");
        let time_column = self.column("time_column", "ts");
        let breakdown = self.take("breakdown").is_some().then(|| self.column("breakdown", ""));
        let alpha = self.probability("alpha", 0.05);
        let srm_threshold = self.probability("srm_threshold", 0.001);
        let sides = match self.take("sides") {
            None => Sides::Two,
            Some((n, v)) => match v.to_ascii_lowercase().as_str() {
                "two" => Sides::Two,
                "greater" => Sides::OneGreater,
                "less" => Sides::OneLess,
                other => {
                    let other = other.to_string();
                    self.error(n, format!("sides must be `two`, `greater` or `less`, got `{other}`"));
                    Sides::Two
                }
            },
        };
        let correction = match self.take("correction") {
            None => Some(Correction::Holm),
            Some((n, v)) => match v.to_ascii_lowercase().as_str() {
                "holm" => Some(Correction::Holm),
                "bh" => Some(Correction::BenjaminiHochberg),
                "none" => None,
                other => {
                    let other = other.to_string();
                    self.error(n, format!("correction must be `holm`, `bh` or `none`, got `{other}`"));
                    None
                }
            },
        };
        let sequential = match self.take("sequential") {
            None => false,
            Some((n, v)) => match v.to_ascii_lowercase().as_str() {
                "true" | "yes" => true,
                "false" | "no" => false,
                other => {
                    let other = other.to_string();
                    self.error(n, format!("sequential must be `true` or `false`, got `{other}`"));
                    false
                }
            },
        };
        let cuped_days = match self.take("cuped").map(|(n, v)| (n, v.to_string())) {
            None => None,
            Some((n, v)) => {
                let days = v.strip_suffix('d').unwrap_or(&v).trim();
                match days.parse::<u32>() {
                    Ok(d) if (1..=3650).contains(&d) => Some(d),
                    _ => {
                        self.error(n, format!("cuped: expected a number of days before exposure (1 to 3650), e.g. `cuped: 14`, got `{v}`"));
                        None
                    }
                }
            }
        };
        let srm_weights = match self.take("srm_weights").map(|(n, v)| (n, v.to_string())) {
            None => SrmWeights::Equal,
            Some((n, v)) => match parse_weights(&v) {
                Ok(w) => w,
                Err(e) => {
                    self.error(n, e);
                    SrmWeights::Equal
                }
            },
        };
        if sequential && sides != Sides::Two {
            let line = self.take("sequential").map_or(0, |(n, _)| n);
            self.error(line, "`sequential: true` gives two-sided always-valid intervals only: use `sides: two` (the default)");
        }
        if self.metrics.is_empty() {
            self.errors.push((0, "no `metric:` line: name at least one metric to compare".into()));
        }
        for (name, cap, n) in std::mem::take(&mut self.caps) {
            match self.metrics.iter_mut().find(|m| m.name == name) {
                None => {
                    let names: Vec<String> = self.metrics.iter().map(|m| format!("`{}`", m.name)).collect();
                    let known = if names.is_empty() { "none is defined".to_string() } else { format!("metrics: {}", names.join(", ")) };
                    self.error(n, format!("cap: no metric `{name}` ({known})"));
                }
                Some(m) if !matches!(m.definition, MetricDef::Value(_)) => {
                    let kind = m.definition.kind();
                    self.error(n, format!("cap: `{name}` is a {kind} metric; only count and sum metrics are capped"));
                }
                Some(m) if m.cap.is_some() => self.error(n, format!("cap: `{name}` is capped twice")),
                Some(m) => m.cap = Some(cap),
            }
        }
        if !self.errors.is_empty() {
            // Lines in order, then what concerns the body as a whole.
            self.errors.sort_by_key(|(line, _)| if *line == 0 { usize::MAX } else { *line });
            let mut message = String::from("the ab cell has errors:");
            for (line, e) in &self.errors {
                message.push_str("\n  ");
                if *line > 0 {
                    message.push_str(&format!("line {line}: "));
                }
                message.push_str(e);
            }
            return Err(EngineError::new(ErrorKind::InvalidInput, message));
        }
        Ok(AbSpec {
            experiment,
            experiment_column,
            variant_column,
            control,
            unit,
            event_column,
            time_column,
            alpha,
            sides,
            correction,
            srm_weights,
            srm_threshold,
            sequential,
            cuped_days,
            breakdown,
            metrics: self.metrics,
        })
    }

    fn probability(&mut self, key: &str, default: f64) -> f64 {
        match self.take(key).map(|(n, v)| (n, v.to_string())) {
            None => default,
            Some((n, v)) => match v.parse::<f64>() {
                Ok(x) if x > 0.0 && x < 1.0 => x,
                _ => {
                    self.error(n, format!("`{key}` must be a number strictly between 0 and 1, got `{v}`"));
                    default
                }
            },
        }
    }
}

/// The line without a `#` comment (a `#` inside double quotes is kept).
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(v: &str) -> &str {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') { &v[1..v.len() - 1] } else { v }
}

/// `name` or `a.b.c`: each part a letter or `_` then letters, digits, `_`.
pub(crate) fn is_column(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Slash,
    Equals,
}

fn tokens(s: &str) -> std::result::Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '/' => {
                chars.next();
                out.push(Token::Slash);
            }
            '=' => {
                chars.next();
                out.push(Token::Equals);
            }
            '"' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some(c) => text.push(c),
                        None => return Err(format!("unclosed quote in `{s}`")),
                    }
                }
                out.push(Token::Quoted(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '/' | '=' | '"') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
        }
    }
    Ok(out)
}

const METRIC_SYNTAX: &str = "expected `metric: NAME = conversion \"Event\"`, `NAME = count [\"Event\"]`, \
`NAME = sum COLUMN [\"Event\"]` or `NAME = ratio AGG / AGG` (AGG: count or sum as before)";

fn parse_metric(value: &str, line: usize) -> std::result::Result<Metric, String> {
    let toks = tokens(value)?;
    let mut it = toks.into_iter().peekable();
    let name = match (it.next(), it.next()) {
        (Some(Token::Word(name)), Some(Token::Equals)) if is_column(&name) && !name.contains('.') => name,
        _ => return Err(METRIC_SYNTAX.into()),
    };
    let kind = match it.next() {
        Some(Token::Word(w)) => w.to_ascii_lowercase(),
        _ => return Err(format!("metric `{name}`: {METRIC_SYNTAX}")),
    };
    let definition = match kind.as_str() {
        "conversion" => match it.next() {
            Some(Token::Quoted(event)) => MetricDef::Conversion { event },
            _ => return Err(format!("metric `{name}`: a conversion needs a quoted event name: `conversion \"Added to Cart\"`")),
        },
        "count" | "sum" => MetricDef::Value(aggregate(&name, &kind, &mut it)?),
        "ratio" => {
            let numerator = match it.next() {
                Some(Token::Word(w)) => aggregate(&name, &w.to_ascii_lowercase(), &mut it)?,
                _ => return Err(format!("metric `{name}`: {METRIC_SYNTAX}")),
            };
            if it.next() != Some(Token::Slash) {
                return Err(format!("metric `{name}`: a ratio needs `/` between numerator and denominator"));
            }
            let denominator = match it.next() {
                Some(Token::Word(w)) => aggregate(&name, &w.to_ascii_lowercase(), &mut it)?,
                _ => return Err(format!("metric `{name}`: a ratio needs a denominator after `/`")),
            };
            MetricDef::Ratio { numerator, denominator }
        }
        other => return Err(format!("metric `{name}`: unknown metric type `{other}` (conversion, count, sum, ratio)")),
    };
    if let Some(extra) = it.next() {
        return Err(format!("metric `{name}`: unexpected {} at the end", describe(&extra)));
    }
    Ok(Metric { name, definition, cap: None, line })
}

fn describe(t: &Token) -> String {
    match t {
        Token::Word(w) => format!("`{w}`"),
        Token::Quoted(q) => format!("\"{q}\""),
        Token::Slash => "`/`".into(),
        Token::Equals => "`=`".into(),
    }
}

fn aggregate(
    name: &str,
    kind: &str,
    it: &mut std::iter::Peekable<std::vec::IntoIter<Token>>,
) -> std::result::Result<Aggregate, String> {
    fn event(it: &mut std::iter::Peekable<std::vec::IntoIter<Token>>) -> Option<String> {
        match it.peek() {
            Some(Token::Quoted(_)) => match it.next() {
                Some(Token::Quoted(e)) => Some(e),
                _ => None,
            },
            _ => None,
        }
    }
    match kind {
        "count" => Ok(Aggregate::Count { event: event(it) }),
        "sum" => {
            let column = match it.next() {
                Some(Token::Word(c)) if is_column(&c) => c,
                Some(t) => return Err(format!("metric `{name}`: `sum` needs a column name, got {}", describe(&t))),
                None => return Err(format!("metric `{name}`: `sum` needs a column name")),
            };
            Ok(Aggregate::Sum { column, event: event(it) })
        }
        other => Err(format!("metric `{name}`: expected `count` or `sum`, got `{other}`")),
    }
}

fn parse_cap(value: &str) -> std::result::Result<(String, Cap), String> {
    let syntax = "expected `cap: METRIC 99%` (a percentile) or `cap: METRIC 1000` (a value)";
    let mut parts = value.split_whitespace();
    let (Some(name), Some(amount), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(syntax.into());
    };
    if let Some(p) = amount.strip_suffix('%') {
        match p.parse::<f64>() {
            Ok(p) if p > 0.0 && p < 100.0 => Ok((name.to_string(), Cap::Percentile(p))),
            _ => Err(format!("cap: the percentile must lie strictly between 0% and 100%, got `{amount}`")),
        }
    } else {
        match amount.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok((name.to_string(), Cap::Value(v))),
            _ => Err(format!("cap: `{amount}` is not a number; {syntax}")),
        }
    }
}

fn parse_weights(value: &str) -> std::result::Result<SrmWeights, String> {
    let items: Vec<&str> = value.split(',').map(str::trim).collect();
    let weight = |w: &str| match w.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("srm_weights: `{w}` is not a positive number")),
    };
    if items.iter().any(|i| i.contains('=')) {
        let mut named = Vec::new();
        for item in items {
            let Some((arm, w)) = item.split_once('=') else {
                return Err(format!("srm_weights: mix of `arm=weight` and plain weights at `{item}`"));
            };
            named.push((unquote(arm.trim()).to_string(), weight(w.trim())?));
        }
        Ok(SrmWeights::Named(named))
    } else {
        Ok(SrmWeights::Ordered(items.into_iter().map(weight).collect::<std::result::Result<_, _>>()?))
    }
}
