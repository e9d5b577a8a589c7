//! Hand-rolled command-line options (no clap: xtask must compile in seconds).
//!
//! A command takes its options out of [`Args`] one by one and then calls [`Args::finish`], which
//! rejects whatever is left, so a typo never passes silently.

use anyhow::{Result, bail};

/// The arguments after the command name, consumed option by option.
pub struct Args {
    rest: Vec<String>,
}

impl Args {
    pub fn new(rest: Vec<String>) -> Self {
        Self { rest }
    }

    /// Removes a boolean flag (`--no-e2e`); true when it was given.
    pub fn flag(&mut self, name: &str) -> bool {
        let before = self.rest.len();
        self.rest.retain(|arg| arg != name);
        self.rest.len() != before
    }

    /// Removes `--name VALUE` or `--name=VALUE` and returns the value (the last one wins).
    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        let prefix = format!("{name}=");
        let mut found = None;
        let mut kept = Vec::with_capacity(self.rest.len());
        let mut iter = std::mem::take(&mut self.rest).into_iter();
        while let Some(arg) = iter.next() {
            if arg == name {
                match iter.next() {
                    Some(value) => found = Some(value),
                    None => bail!("{name} needs a value"),
                }
            } else if let Some(value) = arg.strip_prefix(&prefix) {
                found = Some(value.to_owned());
            } else {
                kept.push(arg);
            }
        }
        self.rest = kept;
        Ok(found)
    }

    /// Fails on any argument no option claimed.
    pub fn finish(self) -> Result<()> {
        if !self.rest.is_empty() {
            bail!(
                "unexpected argument(s): {} (see `cargo xtask help`)",
                self.rest.join(" ")
            );
        }
        Ok(())
    }

    /// All remaining arguments, for commands that pass them through to another program.
    pub fn into_rest(self) -> Vec<String> {
        self.rest
    }
}

#[cfg(test)]
mod tests {
    use super::Args;

    fn args(list: &[&str]) -> Args {
        Args::new(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn values_in_both_forms_and_flags() {
        let mut a = args(&["--port", "9000", "--no-e2e", "--host=0.0.0.0"]);
        assert_eq!(a.value("--port").unwrap().as_deref(), Some("9000"));
        assert_eq!(a.value("--host").unwrap().as_deref(), Some("0.0.0.0"));
        assert!(a.flag("--no-e2e"));
        assert!(!a.flag("--no-wasm"));
        a.finish().unwrap();
    }

    #[test]
    fn leftovers_and_missing_values_are_errors() {
        assert!(args(&["--bogus"]).finish().is_err());
        assert!(args(&["--port"]).value("--port").is_err());
    }
}
