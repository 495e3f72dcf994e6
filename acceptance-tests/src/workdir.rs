//! A working directory in which the real CLI runs against the built provider.

use crate::Bed;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory with a CLI config whose `dev_overrides` point at the built provider.
pub struct WorkDir {
    dir: tempfile::TempDir,
    bed: &'static Bed,
}

/// The result of one CLI run.
#[derive(Debug)]
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from(command: String, out: Output) -> Self {
        Self {
            command,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Both streams, for `contains` checks.
    #[must_use]
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Both streams with every run of whitespace made one space: the CLI wraps diagnostics at
    /// its terminal width, so a sentence may span lines.
    #[must_use]
    pub fn flat(&self) -> String {
        self.output().split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "$ {}\nexit code {}\n--- stdout\n{}\n--- stderr\n{}",
            self.command, self.code, self.stdout, self.stderr
        )
    }
}

impl WorkDir {
    /// A new directory named after the test.
    ///
    /// # Panics
    /// When the directory cannot be made.
    #[must_use]
    pub fn new(bed: &'static Bed, name: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("tf-{name}-"))
            .tempdir()
            .expect("tempdir");
        let rc = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            "flux-aio/flux",
            bed.provider_dir.display()
        );
        std::fs::write(dir.path().join("cli.tfrc"), rc).expect("write CLI config");
        Self { dir, bed }
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `main.tf`: the provider requirements, a provider block for the test bed, then
    /// `body`.
    pub fn main_tf(&self, body: &str) {
        let kubernetes = format!("{{ config_path = \"{}\" }}", self.bed.kubeconfig.display());
        self.main_tf_with_kubernetes(&kubernetes, body);
    }

    /// Writes `main.tf` with `kubernetes = <kubernetes>` in the provider block.
    pub fn main_tf_with_kubernetes(&self, kubernetes: &str, body: &str) {
        let mut text = String::new();
        let _ = write!(
            text,
            "terraform {{\n  required_providers {{\n    flux = {{ source = \"flux-aio/flux\" }}\n  }}\n}}\n\n\
             provider \"flux\" {{\n  kubernetes = {kubernetes}\n}}\n\n{body}\n"
        );
        self.write("main.tf", &text);
    }

    /// Writes a file in the directory.
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.dir.path().join(name), content).expect("write file");
    }

    /// Copies every file of `dir` into the working directory.
    ///
    /// # Panics
    /// When a file cannot be copied.
    pub fn copy_from(&self, dir: &Path) {
        for entry in std::fs::read_dir(dir).expect("read example dir") {
            let entry = entry.expect("dir entry");
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                std::fs::copy(entry.path(), self.dir.path().join(entry.file_name())).expect("copy file");
            }
        }
    }

    /// A `tofu` command set up for this directory.
    #[must_use]
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bed.tofu);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("cli.tfrc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            // Each directory has its own artifact cache, so tests see cold and warm caches as
            // they set them up.
            .env("FLUX_PROVIDER_CACHE_DIR", self.dir.path().join("artifact-cache"))
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .env_remove("KUBECONFIG")
            .env_remove("TF_REATTACH_PROVIDERS");
        cmd
    }

    /// Runs `tofu` with `args` and returns what happened.
    ///
    /// # Panics
    /// When `tofu` cannot be started.
    #[must_use]
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_command(self.command(args), args)
    }

    /// Runs a prepared command.
    ///
    /// # Panics
    /// When it cannot be started.
    #[must_use]
    pub fn run_command(&self, mut cmd: Command, args: &[&str]) -> Run {
        let out = cmd.output().expect("start tofu");
        Run::from(format!("tofu {}", args.join(" ")), out)
    }

    /// Runs `tofu` and panics with the whole output unless it succeeds.
    ///
    /// # Panics
    /// When the command fails.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code, 0, "command failed:\n{run}");
        run
    }

    /// `tofu apply -auto-approve`, which must succeed.
    pub fn apply(&self) -> Run {
        self.ok(&["apply", "-auto-approve", "-no-color"])
    }

    /// `tofu plan -detailed-exitcode`: 0 for no changes, 2 for changes (1 panics).
    ///
    /// # Panics
    /// When the plan fails.
    #[must_use]
    pub fn plan_changes(&self) -> (bool, Run) {
        let run = self.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert!(run.code == 0 || run.code == 2, "plan failed:\n{run}");
        (run.code == 2, run)
    }

    /// The state as `tofu show -json` prints it.
    ///
    /// # Panics
    /// When the state cannot be shown.
    #[must_use]
    pub fn state(&self) -> serde_json::Value {
        let run = self.ok(&["show", "-json", "-no-color"]);
        serde_json::from_str(&run.stdout).expect("state JSON")
    }

    /// The values of resource `address` in the state.
    #[must_use]
    pub fn resource_values(&self, address: &str) -> Option<serde_json::Value> {
        let state = self.state();
        state["values"]["root_module"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }

    /// The path of a file in the directory.
    #[must_use]
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}
