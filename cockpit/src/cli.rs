//! The command line (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "cabin",
    version,
    about = "On-device smart-cockpit inference stack: driver monitoring and an in-cabin agent"
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn quiet(&self) -> bool {
        matches!(&self.command, Command::Run(r) if r.output.quiet)
    }
}

/// `max` or a positive factor of real time (`1` = wall clock, for HIL benches).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    Max,
    Factor(f64),
}

impl std::str::FromStr for Speed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Speed::Max);
        }
        match s.parse::<f64>() {
            Ok(f) if f.is_finite() && f > 0.0 => Ok(Speed::Factor(f)),
            _ => Err(format!("'{s}' is not `max` or a positive number")),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run every node of the deployment in one process (default: the built-in scenario).
    Run(RunArgs),
    /// Run one node of the deployment alone, joined to the others over zenoh.
    Node(NodeArgs),
    /// List the topics live on the bus, with their rates.
    Topics(TopicsArgs),
    /// Print the messages of one topic as JSON, live from the bus.
    Echo(EchoArgs),
    /// Run the camera pipeline on your own image, image folder or video.
    Perceive(PerceiveArgs),
    /// Speech to text on your own recordings: a WAV file or a folder of them.
    Listen(ListenArgs),
    /// Show or erase a driver's on-device preference profile.
    Profile(ProfileArgs),
    /// Hardware-in-the-loop: play the scenario at wall-clock pace to nodes in other processes/ECUs over
    /// zenoh and report end-to-end latency per output topic.
    Hil(HilArgs),
    /// List the node kinds this binary can run.
    Nodes,
    /// Print the embedded default deployment config (a starting point for your own).
    Config,
    /// Serve the cockpit HMI page for a running bus (joins over zenoh; answers go out on hmi/response).
    Hmi(HmiArgs),
    /// Run the deployment and record every topic to an MCAP file (Foxglove-readable, replayable).
    Record(crate::commands::record::RecordArgs),
    /// Feed a recording's inputs back into the nodes and write their new outputs.
    Replay(crate::commands::replay::ReplayArgs),
    /// Score a run's events against the scenario's ground truth (table, or --json for CI).
    Score(crate::commands::score::ScoreArgs),
    /// The protocol conformance suite (Euro NCAP 2026, EU ADDW/DDAW) through the real stack: the dossier.
    Conformance(crate::commands::conformance::ConformanceArgs),
    /// Generated drives: `scenarios generate --count N --seed S` writes a corpus with its ground truth.
    Scenarios(crate::commands::scenarios::ScenariosArgs),
    /// Replay + score many drives over a Ray cluster and compare two builds (the `cabin-fleet` driver).
    Fleet(crate::commands::fleet::FleetArgs),
    /// Make a development CA and per-role certificates for a secured bus (TLS + access control).
    Certs(crate::commands::certs::CertsArgs),
    /// Start every process of the deployment as a supervised child (`cabin node --process`), restart a
    /// crashed one with back-off, and report each start, exit and restart on the diagnostics topic.
    Launch(LaunchArgs),
    /// Build what cabin derives from the installed models once (the interest classifier's trained
    /// head), next to them, so services that may not write there start without training it.
    PrepareCache,
}

/// `--config`: the deployment a command reads.
#[derive(Args, Debug, Clone)]
pub struct ConfigArg {
    /// Deployment config (TOML); the embedded default when absent.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// The options of a command that joins a running bus over zenoh.
#[derive(Args, Debug, Clone)]
pub struct JoinArgs {
    #[command(flatten)]
    pub deployment: ConfigArg,
    /// Extra zenoh endpoint(s) to connect to.
    #[arg(long)]
    pub connect: Vec<String>,
}

/// The options of a command that runs the deployment here, on the deterministic executor.
#[derive(Args, Debug, Clone)]
pub struct ExecArgs {
    #[command(flatten)]
    pub deployment: ConfigArg,
    /// Worker threads of the deterministic executor (default: from the config).
    #[arg(long)]
    pub workers: Option<usize>,
}

/// Where a run's outputs go, when it stops and how much it says while it runs.
#[derive(Args, Debug, Clone)]
pub struct RunOutputArgs {
    /// Write every derived output as JSON Lines with its sim time.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Stop after this many seconds of sim time.
    #[arg(long)]
    pub until: Option<f64>,
    /// No progress output; only the final summary and errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The run options of `record` and `replay`: as fast as possible unless `--speed` says otherwise.
#[derive(Args, Debug, Clone)]
pub struct BatchRunArgs {
    #[command(flatten)]
    pub exec: ExecArgs,
    #[command(flatten)]
    pub output: RunOutputArgs,
    /// `max` or a factor of real time (`1` = wall clock).
    #[arg(long, default_value = "max")]
    pub speed: Speed,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub exec: ExecArgs,
    #[command(flatten)]
    pub output: RunOutputArgs,
    /// Scenario for the `sim` node: `default` or a scenario TOML file.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Write wall-clock metrics (step latencies, counts) as JSON.
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// `max` (as fast as possible; the default without --hmi) or a factor of real time (`1` = wall clock;
    /// the default with --hmi, so a person can watch).
    #[arg(long)]
    pub speed: Option<Speed>,
    /// Do not open a zenoh session (no mirror of derived topics for `cabin topics/echo`).
    #[arg(long)]
    pub no_bus: bool,
    /// Serve the live cockpit page on ADDR (PORT or HOST:PORT; default 127.0.0.1:7780, loopback only).
    /// The page stays up after the run until Ctrl-C.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = crate::hmi::DEFAULT_ADDR)]
    pub hmi: Option<String>,
    /// Do not speak the agent's suggestions on the host (espeak-ng).
    #[arg(long)]
    pub no_voice: bool,
}

impl RunArgs {
    /// The pace of the run: `--speed`, else wall clock with the HMI, else as fast as possible.
    pub fn effective_speed(&self) -> Speed {
        self.speed.unwrap_or(if self.hmi.is_some() {
            Speed::Factor(1.0)
        } else {
            Speed::Max
        })
    }
}

#[derive(Args, Debug, Clone)]
pub struct HmiArgs {
    /// Address to serve on: PORT or HOST:PORT (default 127.0.0.1:7780, loopback only).
    #[arg(value_name = "ADDR", default_value = crate::hmi::DEFAULT_ADDR)]
    pub addr: String,
    #[command(flatten)]
    pub join: JoinArgs,
    /// Do not speak the agent's suggestions on the host (espeak-ng).
    #[arg(long)]
    pub no_voice: bool,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    pub seconds: Option<f64>,
}

#[derive(Args, Debug, Clone)]
pub struct NodeArgs {
    /// The nodes' names in the deployment config (one or more; or `--process`).
    pub names: Vec<String>,
    /// Run every node of this process of the deployment (its nodes' `process` key), as `cabin launch` does.
    #[arg(long)]
    pub process: Option<String>,
    #[command(flatten)]
    pub join: JoinArgs,
    /// zenoh endpoint(s) to listen on (default: none; the node connects to the config's endpoints).
    #[arg(long)]
    pub listen: Vec<String>,
    /// Stop after this many wall-clock seconds (default: until Ctrl-C or the node finishes).
    #[arg(long)]
    pub duration: Option<f64>,
}

#[derive(Args, Debug, Clone)]
pub struct TopicsArgs {
    #[command(flatten)]
    pub join: JoinArgs,
    /// How long to listen, seconds.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
}

#[derive(Args, Debug, Clone)]
pub struct EchoArgs {
    /// Topic path (`perception/driver_state`) or full key (`cabin/demo/perception/driver_state`).
    pub topic: String,
    #[command(flatten)]
    pub join: JoinArgs,
    /// Stop after this many messages.
    #[arg(long)]
    pub count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    pub seconds: Option<f64>,
}

#[derive(Args, Debug, Clone)]
pub struct PerceiveArgs {
    /// A still image, a folder of images, or a video file.
    pub input: PathBuf,
    /// Print one JSON object per image/frame.
    #[arg(long)]
    pub json: bool,
    /// Write annotated output (a file for one image, else a folder).
    #[arg(long)]
    pub annotate: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct ListenArgs {
    /// A WAV file or a folder of `.wav` files (any rate and channel count: channels are averaged to
    /// mono, other rates resampled to 16 kHz).
    pub input: PathBuf,
    /// Print one JSON object per file.
    #[arg(long)]
    pub json: bool,
    /// Noise suppression before speech detection, `true` or `false` (default: the speech node's).
    #[arg(long, value_name = "BOOL")]
    pub noise_suppression: Option<bool>,
}

#[derive(Args, Debug, Clone)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub action: ProfileAction,
    /// Driver profile name.
    #[arg(long, default_value = "default", global = true)]
    pub profile: String,
    /// Preference database (default: the on-device store).
    #[arg(long, global = true)]
    pub db: Option<PathBuf>,
}

#[derive(Subcommand, Debug, Clone, Copy)]
pub enum ProfileAction {
    /// Print what the store learned for the profile.
    Show,
    /// Erase the profile.
    Forget,
}

#[derive(Args, Debug, Clone)]
pub struct HilArgs {
    // The deployment's `sim`/`replay` nodes run here, the others under test elsewhere.
    #[command(flatten)]
    pub deployment: ConfigArg,
    /// A factor of real time (`1` = wall clock).
    #[arg(long, default_value = "1")]
    pub speed: Speed,
    /// Stop after this many seconds of sim time.
    #[arg(long)]
    pub until: Option<f64>,
    /// Seconds to wait for the nodes under test to join before starting.
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Seconds to wait for the last outputs after the end.
    #[arg(long, default_value_t = 1.0)]
    pub drain: f64,
    /// Also serve the rendered (or recorded) camera as an RTSP stream (Motion JPEG) at
    /// rtsp://ADDR/camera, e.g. `127.0.0.1:8554`, for an ECU that reads its camera over the network.
    #[arg(long, value_name = "ADDR")]
    pub rtsp: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct LaunchArgs {
    /// The deployment (TOML) whose processes to start; required (the embedded default names processes
    /// too, but a deployment you launch should be a file you can read).
    #[arg(long)]
    pub config: PathBuf,
    /// Start only the processes of this host: those whose `process` key reads `NAME@HOST` (one
    /// `cabin launch --host HOST` per ECU). Without it, every process starts here.
    #[arg(long)]
    pub host: Option<String>,
    /// The role (certificate) of a process in a secured deployment, `PROCESS=ROLE`; by default the
    /// process name without its host and a trailing `-ecu` (`dms-ecu` -> `dms`).
    #[arg(long, value_name = "PROCESS=ROLE")]
    pub role: Vec<String>,
    /// Stop everything after this many wall-clock seconds (default: until Ctrl-C / SIGTERM).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Give up on a process after this many crashes in a row, each within `--stable-after` of its start.
    #[arg(long, default_value_t = 5)]
    pub max_fast_crashes: u32,
    /// Seconds a process must run before its crash counts as fresh (back-off and count reset).
    #[arg(long, default_value_t = 30.0)]
    pub stable_after: f64,
}
