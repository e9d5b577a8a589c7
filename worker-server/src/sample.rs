//! `worker-server sample`: writes the deterministic sample log to a file,
//! one day at a time (large logs never sit in memory whole).

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use glint_engine::sample::{SampleSpec, days};

#[derive(Args)]
pub struct SampleArgs {
    /// Where to write the NDJSON log.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = SampleSpec::default().users)]
    users: u32,
    #[arg(long, default_value_t = SampleSpec::default().days)]
    days: u32,
    #[arg(long, default_value_t = SampleSpec::default().seed)]
    seed: u64,
}

pub fn run(args: SampleArgs) -> anyhow::Result<()> {
    let spec = SampleSpec { users: args.users, days: args.days, seed: args.seed, ..SampleSpec::default() };
    let file = std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut w = BufWriter::new(file);
    let (mut lines, mut bytes) = (0u64, 0u64);
    for day in days(&spec) {
        for line in day {
            w.write_all(line.as_bytes())?;
            lines += 1;
            bytes += line.len() as u64;
        }
    }
    w.flush()?;
    eprintln!("wrote {} ({lines} lines, {bytes} bytes)", args.out.display());
    Ok(())
}
