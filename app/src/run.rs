//! Running a notebook, as plain data: what each cell shows ([`CellRun`]),
//! which cells are stale, and the queue that runs cells one at a time in
//! notebook order (a cell may read the tables of the cells above it, so the
//! order matters). The components and the worker glue only follow what
//! [`Runner`] says; its rules are tested here with plain `#[test]`s.

use std::collections::{HashMap, VecDeque};

use glint_notebook::{CellKind, ChartSpec, Notebook};
use glint_protocol::{TableData, ToWorker};

use crate::dispatch::RequestError;

/// Rows per page of a result table.
pub const PAGE_ROWS: usize = 100;
/// Most rows a chart reads from its source.
pub const CHART_ROWS: usize = 50_000;

/// What a cell shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellRun {
    /// Never run (or its result was dropped).
    #[default]
    Idle,
    Queued,
    Running,
    /// A SQL (or `ab`) cell's result: one page of it, with notes and an
    /// alert to show beside it.
    Table { table: TableData, offset: usize, elapsed_ms: f64, notes: Vec<String>, alert: Option<String> },
    /// A chart cell's source rows.
    Chart { table: TableData },
    Failed(RequestError),
}

impl CellRun {
    pub fn is_busy(&self) -> bool {
        matches!(self, CellRun::Queued | CellRun::Running)
    }
}

/// A cell's state: what it shows, and whether that is out of date (the cell
/// or a cell it reads changed since).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellState {
    pub run: CellRun,
    pub stale: bool,
}

/// The worker-side key of a cell's kept result.
pub fn result_key(cell_id: u64) -> String {
    format!("cell{cell_id}")
}

/// Whether running this kind of cell does anything.
pub fn runnable(kind: CellKind) -> bool {
    matches!(kind, CellKind::Sql | CellKind::Chart) || analysis(kind)
}

/// Cells the engine reads out from their body (`ab`, `trend`, `funnel`, `retention`).
pub fn analysis(kind: CellKind) -> bool {
    matches!(kind, CellKind::Ab | CellKind::Trend | CellKind::Funnel | CellKind::Retention)
}

/// The queue and the per-cell states.
#[derive(Debug, Default)]
pub struct Runner {
    pub states: HashMap<u64, CellState>,
    queue: VecDeque<u64>,
    in_flight: Option<u64>,
}

impl Runner {
    pub fn state(&self, id: u64) -> CellState {
        self.states.get(&id).cloned().unwrap_or_default()
    }

    pub fn busy(&self) -> bool {
        self.in_flight.is_some() || !self.queue.is_empty()
    }

    /// Queues cell `index` (if runnable) and every cell that depends on it.
    pub fn enqueue_with_dependants(&mut self, nb: &Notebook, index: usize) {
        let mut order = vec![index];
        order.extend(nb.dependants(index));
        self.enqueue(nb, &order);
    }

    /// Queues every runnable cell, top to bottom.
    pub fn enqueue_all(&mut self, nb: &Notebook) {
        let all: Vec<usize> = (0..nb.len()).collect();
        self.enqueue(nb, &all);
    }

    /// Queues the given cells (the runnable ones), in notebook order.
    pub fn enqueue_cells(&mut self, nb: &Notebook, indices: &[usize]) {
        self.enqueue(nb, indices);
    }

    fn enqueue(&mut self, nb: &Notebook, indices: &[usize]) {
        for &i in indices {
            let Some(cell) = nb.cell(i) else { continue };
            if !runnable(cell.kind()) {
                continue;
            }
            let id = cell.id();
            if self.in_flight != Some(id) && !self.queue.contains(&id) {
                self.queue.push_back(id);
                self.states.entry(id).or_default().run = CellRun::Queued;
            }
        }
        // Keep notebook order whatever order requests came in.
        let position: HashMap<u64, usize> = nb.cells().iter().enumerate().map(|(i, c)| (c.id(), i)).collect();
        self.queue.make_contiguous().sort_by_key(|id| position.get(id).copied().unwrap_or(usize::MAX));
    }

    /// The next request to send, if nothing is in flight: `(cell id, request)`.
    /// Cells that cannot be asked (a chart with a bad spec) fail right here.
    pub fn next(&mut self, nb: &Notebook) -> Option<(u64, ToWorker)> {
        if self.in_flight.is_some() {
            return None;
        }
        while let Some(id) = self.queue.pop_front() {
            let Some(index) = nb.position(id) else {
                self.states.remove(&id);
                continue;
            };
            match request_for(nb, index, self) {
                Ok(request) => {
                    self.in_flight = Some(id);
                    let state = self.states.entry(id).or_default();
                    state.run = CellRun::Running;
                    return Some((id, request));
                }
                Err(error) => self.fail(nb, id, error),
            }
        }
        None
    }

    /// The reply for the cell in flight arrived.
    pub fn finish(&mut self, nb: &Notebook, id: u64, outcome: Result<CellRun, RequestError>) {
        if self.in_flight == Some(id) {
            self.in_flight = None;
        }
        match outcome {
            Ok(run) => {
                self.states.insert(id, CellState { run, stale: false });
            }
            Err(error) => self.fail(nb, id, error),
        }
    }

    /// A cell failed: queued cells that depend on it fail too, saying why.
    fn fail(&mut self, nb: &Notebook, id: u64, error: RequestError) {
        self.states.insert(id, CellState { run: CellRun::Failed(error), stale: false });
        let Some(index) = nb.position(id) else { return };
        let label = cell_label(nb, index);
        for dep in nb.dependants(index) {
            let Some(dep_id) = nb.cell(dep).map(|c| c.id()) else { continue };
            if let Some(pos) = self.queue.iter().position(|q| *q == dep_id) {
                self.queue.remove(pos);
                self.states.insert(
                    dep_id,
                    CellState {
                        run: CellRun::Failed(RequestError::new("upstream", format!("not run: {label} above failed"))),
                        stale: false,
                    },
                );
            }
        }
    }

    /// Cell `index` was edited: it and its dependants are out of date.
    pub fn mark_stale(&mut self, nb: &Notebook, index: usize) {
        let mut cells = vec![index];
        cells.extend(nb.dependants(index));
        for i in cells {
            if let Some(cell) = nb.cell(i) {
                let state = self.states.entry(cell.id()).or_default();
                if !matches!(state.run, CellRun::Idle) {
                    state.stale = true;
                }
            }
        }
    }

    /// A page of a table result arrived.
    pub fn set_page(&mut self, id: u64, table: TableData, offset: usize) {
        if let Some(CellState { run: CellRun::Table { table: t, offset: o, .. }, .. }) = self.states.get_mut(&id) {
            *t = table;
            *o = offset;
        }
    }

    /// Forget everything (a new dataset or notebook).
    pub fn reset(&mut self) {
        self.states.clear();
        self.queue.clear();
        self.in_flight = None;
    }
}

/// Whether a cell is on the dashboard (`pin=true` in its fence line).
pub fn pinned(nb: &Notebook, index: usize) -> bool {
    nb.cell(index).and_then(|c| c.attr("pin")).is_some_and(|v| v == "true")
}

/// The pinned cells and every cell they read, transitively, in notebook
/// order: what "Refresh" on the dashboard runs.
pub fn dashboard_cells(nb: &Notebook) -> Vec<usize> {
    let mut wanted: Vec<usize> = (0..nb.len()).filter(|&i| pinned(nb, i)).collect();
    let mut next = 0;
    while next < wanted.len() {
        for dep in nb.dependencies(wanted[next]) {
            if !wanted.contains(&dep) {
                wanted.push(dep);
            }
        }
        next += 1;
    }
    wanted.sort_unstable();
    wanted
}

/// How a cell is named in messages: `` `name` `` or "cell 3".
pub fn cell_label(nb: &Notebook, index: usize) -> String {
    match nb.cell(index).and_then(|c| c.name()) {
        Some(name) => format!("`{name}`"),
        None => format!("cell {}", index + 1),
    }
}

/// The parameters as the engine takes them.
pub fn params_json(nb: &Notebook) -> Vec<(String, serde_json::Value)> {
    nb.params().into_iter().map(|p| (p.name, p.value.to_json())).collect()
}

fn request_for(nb: &Notebook, index: usize, runner: &Runner) -> Result<ToWorker, RequestError> {
    let cell = nb.cell(index).ok_or_else(|| RequestError::new("internal", "the cell is gone"))?;
    match cell.kind() {
        CellKind::Sql => Ok(ToWorker::RunSql {
            key: result_key(cell.id()),
            table: cell.name().map(str::to_owned),
            sql: cell.body().to_owned(),
            params: params_json(nb),
            page_rows: PAGE_ROWS,
        }),
        kind if analysis(kind) => Ok(ToWorker::RunAnalysis {
            kind: kind.fence_word().unwrap_or_default().to_owned(),
            key: result_key(cell.id()),
            table: cell.name().map(str::to_owned),
            spec: cell.body().to_owned(),
            page_rows: PAGE_ROWS,
        }),
        CellKind::Chart => {
            ChartSpec::parse(cell.body()).map_err(|e| RequestError::new("chart", format!("chart settings, {e}")))?;
            let source = nb.chart_source(index).ok_or_else(|| {
                RequestError::new("chart", "the chart has no data: add a SQL cell above it, or set `source:` to a SQL cell's name")
            })?;
            let source_id = nb.cell(source).map(|c| c.id()).unwrap_or_default();
            if let CellRun::Failed(_) = runner.state(source_id).run {
                return Err(RequestError::new("upstream", format!("not run: {} above failed", cell_label(nb, source))));
            }
            Ok(ToWorker::FetchRows { key: result_key(source_id), offset: 0, limit: CHART_ROWS })
        }
        _ => Err(RequestError::new("internal", "this cell does not run")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NB: &str = "# T\n\n```params\nmin = 1\n```\n\n```sql name=a\nSELECT 1 AS x WHERE 1 > $min\n```\n\n```sql name=b\nSELECT * FROM a\n```\n\n```chart\nsource: b\nkind: bar\nx: x\ny: x\n```\n\n```sql\nSELECT 2\n```\n";

    fn ok_table() -> CellRun {
        CellRun::Table { table: TableData::default(), offset: 0, elapsed_ms: 1.0, notes: Vec::new(), alert: None }
    }

    fn drain(runner: &mut Runner, nb: &Notebook, fail: Option<u64>) -> Vec<(u64, String)> {
        let mut sent = Vec::new();
        while let Some((id, req)) = runner.next(nb) {
            let what = match &req {
                ToWorker::RunSql { key, table, .. } => format!("sql {key} as {table:?}"),
                ToWorker::FetchRows { key, .. } => format!("rows of {key}"),
                other => format!("{other:?}"),
            };
            sent.push((id, what));
            let outcome = if Some(id) == fail { Err(RequestError::new("sql", "boom")) } else { Ok(ok_table()) };
            runner.finish(nb, id, outcome);
        }
        sent
    }

    #[test]
    fn run_all_goes_top_to_bottom_one_at_a_time() {
        let nb = Notebook::parse(NB).unwrap();
        let ids: Vec<u64> = nb.cells().iter().map(|c| c.id()).collect();
        let mut r = Runner::default();
        r.enqueue_all(&nb);
        assert!(r.busy());
        let first = r.next(&nb).unwrap();
        assert!(r.next(&nb).is_none(), "one request at a time");
        r.finish(&nb, first.0, Ok(ok_table()));
        let rest = drain(&mut r, &nb, None);
        let got: Vec<String> = std::iter::once(format!("{}", first.0)).chain(rest.iter().map(|(id, w)| format!("{id} {w}"))).collect();
        assert_eq!(got, [
            format!("{}", ids[2]),
            format!("{} sql cell{} as Some(\"b\")", ids[3], ids[3]),
            format!("{} rows of cell{}", ids[4], ids[3]),
            format!("{} sql cell{} as None", ids[5], ids[5]),
        ]);
        assert!(!r.busy());
    }

    #[test]
    fn a_params_change_reruns_its_dependants_only() {
        let nb = Notebook::parse(NB).unwrap();
        let mut r = Runner::default();
        r.enqueue_with_dependants(&nb, 1);
        let sent: Vec<String> = drain(&mut r, &nb, None).into_iter().map(|(_, w)| w).collect();
        assert_eq!(sent.len(), 3, "{sent:?}");
        assert!(sent[2].starts_with("rows of"));
    }

    #[test]
    fn a_failure_fails_queued_dependants_with_a_reason() {
        let nb = Notebook::parse(NB).unwrap();
        let a = nb.cell(2).unwrap().id();
        let (b, chart, last) = (nb.cell(3).unwrap().id(), nb.cell(4).unwrap().id(), nb.cell(5).unwrap().id());
        let mut r = Runner::default();
        r.enqueue_all(&nb);
        let sent = drain(&mut r, &nb, Some(a));
        assert_eq!(sent.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [a, last]);
        for id in [b, chart] {
            let CellRun::Failed(e) = r.state(id).run else { panic!("{id} should have failed") };
            assert_eq!(e.message, "not run: `a` above failed");
        }
    }

    #[test]
    fn edits_mark_the_cell_and_its_dependants_stale() {
        let nb = Notebook::parse(NB).unwrap();
        let mut r = Runner::default();
        r.enqueue_all(&nb);
        drain(&mut r, &nb, None);
        r.mark_stale(&nb, 3);
        let stale: Vec<bool> = nb.cells().iter().map(|c| r.state(c.id()).stale).collect();
        assert_eq!(stale, [false, false, false, true, true, false]);
    }

    #[test]
    fn the_dashboard_refreshes_pinned_cells_and_what_they_read() {
        let text = NB.replace("```chart\n", "```chart pin=true\n");
        let nb = Notebook::parse(&text).unwrap();
        assert!(pinned(&nb, 4));
        assert_eq!(dashboard_cells(&nb), [1, 2, 3, 4]);
        assert!(dashboard_cells(&Notebook::parse(NB).unwrap()).is_empty());
    }

    #[test]
    fn a_chart_without_a_source_says_so() {
        let nb = Notebook::parse("```chart\nkind: bar\n```\n").unwrap();
        let mut r = Runner::default();
        r.enqueue_all(&nb);
        assert!(r.next(&nb).is_none());
        let CellRun::Failed(e) = r.state(nb.cell(0).unwrap().id()).run else { panic!() };
        assert!(e.message.contains("add a SQL cell above"), "{}", e.message);
    }
}
