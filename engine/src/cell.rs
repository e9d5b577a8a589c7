//! One notebook cell's computation, the same in the browser's engine worker,
//! the server's jobs and `worker-server run`: SQL (with `$name` parameters)
//! or an analysis (`ab`, `trend`, `funnel`, `retention`) over a [`Session`].

use crate::ab::{self, AbReport};
use crate::error::{EngineError, ErrorKind, Result};
use crate::kpi::{self, KpiKind};
use crate::session::{Param, QueryOutput, Session};

/// A cell's result: the table, sentences for the analyst, and an alert
/// (an A/B test's sample ratio mismatch) that must be shown above the table.
#[derive(Debug, Clone)]
pub struct CellOutput {
    pub table: QueryOutput,
    pub notes: Vec<String>,
    pub alert: Option<String>,
}

/// Runs a cell of `kind` (`sql`, `ab`, `trend`, `funnel` or `retention`)
/// whose text is `body`. `params` apply to SQL cells.
pub async fn run(session: &Session, kind: &str, body: &str, params: &[Param]) -> Result<CellOutput> {
    match kind {
        "sql" => Ok(CellOutput { table: session.sql_with_params(body, params).await?, notes: Vec::new(), alert: None }),
        "ab" => {
            let spec = ab::AbSpec::parse(body)?;
            let report = ab::run(session, &spec).await?;
            let alert = srm_alert(&report);
            Ok(CellOutput { table: report.table, notes: report.warnings, alert })
        }
        other => {
            let Some(kind) = KpiKind::from_word(other) else {
                return Err(EngineError::new(
                    ErrorKind::InvalidInput,
                    format!("`{other}` is not a cell this engine runs (sql, ab, trend, funnel, retention)"),
                ));
            };
            let report = kpi::run(session, kind, body).await?;
            Ok(CellOutput { table: report.table, notes: report.notes, alert: None })
        }
    }
}

/// The sentence shown above an A/B read-out whose sample ratio mismatches.
pub fn srm_alert(report: &AbReport) -> Option<String> {
    let srm = &report.srm;
    srm.flagged.then(|| {
        let arms: Vec<String> = srm
            .arms
            .iter()
            .zip(&srm.observed)
            .zip(&srm.expected)
            .map(|((arm, o), e)| format!("{arm} {o} (expected {e:.0})"))
            .collect();
        format!(
            "Sample ratio mismatch: {} units; p = {:.2e} < {}. The assignment or the logging is broken for some units: do not trust the lifts until this is explained.",
            arms.join(", "),
            srm.p_value,
            srm.threshold
        )
    })
}
