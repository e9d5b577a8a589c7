//! The job table on disk (SQLite, `[jobs] db`), so that no accepted job is
//! silently lost when the server stops: on the next start, jobs that were
//! queued are queued again, jobs that were running are reported failed
//! (`server_restarted`: re-running a job that may have brought the server
//! down could bring it down again), and finished jobs keep their final
//! status. Results live in memory only; a restored job says so.

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use anyhow::Context;
use rusqlite::{Connection, params};

/// One stored job: its number, request (JSON) and last status (JSON).
pub struct Row {
    pub number: u64,
    pub request: String,
    pub status: String,
}

pub struct JobStore {
    conn: Mutex<Connection>,
}

impl JobStore {
    pub fn open(path: &Path) -> anyhow::Result<JobStore> {
        let conn = Connection::open(path).with_context(|| format!("opening the job database {}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS jobs (
                 number INTEGER PRIMARY KEY,
                 request TEXT NOT NULL,
                 status TEXT NOT NULL
             );",
        )
        .with_context(|| format!("setting up the job database {}", path.display()))?;
        // Requests are kept as submitted (a presigned URL's query string too, to
        // rerun queued jobs after a restart): readable by the server's user only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("making the job database {} private", path.display()))?;
        }
        Ok(JobStore { conn: Mutex::new(conn) })
    }

    /// Every stored job, oldest first.
    pub fn load(&self) -> anyhow::Result<Vec<Row>> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stmt = conn.prepare("SELECT number, request, status FROM jobs ORDER BY number")?;
        let rows = stmt
            .query_map([], |r| Ok(Row { number: r.get::<_, i64>(0)? as u64, request: r.get(1)?, status: r.get(2)? }))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records a job (a new one, or its new status).
    pub fn save(&self, number: u64, request: &str, status: &str) -> anyhow::Result<()> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        conn.execute(
            "INSERT INTO jobs (number, request, status) VALUES (?1, ?2, ?3)
             ON CONFLICT(number) DO UPDATE SET status = excluded.status",
            params![number as i64, request, status],
        )?;
        Ok(())
    }

    pub fn forget(&self, number: u64) -> anyhow::Result<()> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        conn.execute("DELETE FROM jobs WHERE number = ?1", [number as i64])?;
        Ok(())
    }
}
