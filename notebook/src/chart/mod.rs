//! Charts as plain data: the chart cell's spec ([`ChartSpec`]), a default
//! chart for a fresh result ([`ChartSpec::auto`]), and the points to draw
//! ([`chart_data`]). Rendering (plotters) happens in the app; nothing here
//! draws.
//!
//! A chart cell body is `key: value` lines:
//!
//! ```text
//! source: by_event
//! kind: bar
//! x: event
//! y: n, revenue
//! series: variant
//! bins: 20
//! title: Events by name
//! ```

mod auto;
mod data;
mod histogram;
mod palette;
mod spec;
mod values;

pub use auto::{ColumnClass, column_class};
pub use data::{ChartData, MAX_SERIES, OTHER_SERIES, Series, XAxis, chart_data};
pub use palette::{OTHER_COLOR, PALETTE, series_color};
pub(crate) use spec::source_of;
pub use spec::{ChartKind, ChartSpec};
pub use values::parse_time_ms;
