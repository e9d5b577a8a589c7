//! A query result as plain JSON-able data, for display. Large results are
//! truncated to `rows.len()` rows and say so; full results travel as Arrow IPC.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    pub data_type: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TableData {
    pub columns: Vec<ColumnInfo>,
    /// Row-major cells; each is a JSON scalar (timestamps as RFC 3339 text).
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Rows in the full result (may exceed `rows.len()`).
    pub total_rows: u64,
}

impl TableData {
    pub fn truncated(&self) -> bool {
        (self.rows.len() as u64) < self.total_rows
    }
}
