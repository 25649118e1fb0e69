//! Parameters of the `agent` node (the `params` table of a `kind = "agent"` node in the deployment
//! config). Every field has a default; an unknown key is an error that names the node and the key.

use crate::interests::MemoryConfig;
use crate::language::{HttpConfig, LocalConfig};
use crate::poi::CorridorConfig;
use crate::policy::{GateConfig, PolicyConfig};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// Which language backend phrases proposals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// A GGUF chat model in process (llama.cpp).
    Local,
    /// An OpenAI-compatible server on the local network.
    Http,
    /// Fixed sentences.
    Template,
}

/// What the preference store does on this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferenceMode {
    /// Read the profile and record accepts/declines.
    Learn,
    /// Read the profile, record nothing (replays that must not change it).
    Read,
    /// No store at all (regression runs: the ranking must not depend on past drives).
    Off,
}

/// Parameters of the `agent` node.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    /// `local`, `http` or `template`; unset: `local` when the model file exists, else `template`.
    pub backend: Option<BackendKind>,
    /// GGUF chat model for `local` (relative to `models/` or absolute).
    pub model: String,
    /// llama.cpp threads (generation and prompt). 1 by default: on the 2-core cockpit ECU the other
    /// nodes run at the same time, and 2 llama.cpp threads then oversubscribe the cores (see
    /// docs/perf/agent.md).
    pub threads: i32,
    /// Most tokens per generated sentence.
    pub max_tokens: usize,
    /// Wall-clock budget per generated sentence, ms (past it: template); 0 = none (token budget only,
    /// for byte-identical replays).
    pub time_budget_ms: u64,
    /// Chat-completions endpoint for `http`.
    pub http_url: String,
    /// `model` sent to the server.
    pub http_model: String,
    /// Bearer token for the server, if it wants one.
    pub http_api_key: Option<String>,
    /// Total time per HTTP attempt, ms.
    pub http_timeout_ms: u64,
    /// Extra HTTP attempts after a failure.
    pub http_retries: u32,
    /// Offer the tools `search_poi` / `propose_stop` to the server's model.
    pub http_tools: bool,
    /// Extra time a stop may cost, seconds.
    pub detour_budget_s: f64,
    /// Extra distance a stop may cost, metres.
    pub max_detour_m: f64,
    /// Propose a stop this long before reaching its exit, seconds.
    pub propose_within_s: f64,
    /// Closer than this (metres) is too late to take the exit.
    pub min_ahead_m: f64,
    /// The POI must stay open this long after arrival, seconds.
    pub min_open_s: f64,
    /// Interests below this confidence are not acted on.
    pub min_confidence: f32,
    /// How long a suggestion waits for an answer, seconds.
    pub response_timeout_s: f64,
    /// Attentive time after a distraction before speaking, seconds.
    pub settle_s: f64,
    /// CO2 at which a tiring driver is offered fresh air, ppm.
    pub co2_high_ppm: f32,
    /// Offer a rest or coffee stop to a drowsy driver even if nobody asked.
    pub drowsy_rest: bool,
    /// A user's POI file (GeoJSON or CSV), added to the scenario's POIs.
    pub poi_file: Option<String>,
    /// Driver profile whose preferences are used.
    pub profile: String,
    /// The preference store; unset: `$XDG_DATA_HOME/cabin/preferences.sqlite` (or `~/.local/share`,
    /// or `out/`).
    pub profile_db: Option<String>,
    /// `learn`, `read` or `off`.
    pub preferences: PreferenceMode,
    /// A spoken yes/no counts as an answer when heard within this long after the suggestion, seconds
    /// (see `PolicyConfig::voice_answer_window_s` for why 12 s).
    pub voice_answer_window_s: f64,
    /// A passenger's (or an unattributed) voice may answer suggestions for the driver.
    pub passenger_voice_answers: bool,
    /// Understand utterances with the sentence-embedding model (all-MiniLM-L6-v2, `models/embedding/`)
    /// on top of the rules; `false`: the rules alone. Without the model files the agent logs a warning
    /// and uses the rules (docs/perf/agent.md: the model raises held-out precision and recall).
    pub interest_model: bool,
    /// Stream the suggestion (issue 13, item 6): publish its first words (the offer question, checked
    /// on their own) as soon as the model has written them, then the whole suggestion under the same
    /// id, which starts with them; first words the checker refuses: the template's sentence at once.
    /// On by default: it takes the model's rest (~0.3-0.5 s) and a refused sentence's wait out of the
    /// time to the first words (docs/perf/agent.md, latency). A consumer must keep the last message
    /// per suggestion id (the scenario scoring and the run summary do).
    pub stream_first_words: bool,
}

impl Default for AgentConfig {
    fn default() -> Self {
        let corridor = CorridorConfig::default();
        let policy = PolicyConfig::default();
        AgentConfig {
            backend: None,
            model: "llm/SmolLM2-135M-Instruct.Q4_1.gguf".into(),
            threads: 1,
            max_tokens: 48,
            time_budget_ms: 8000,
            http_url: "http://127.0.0.1:8080/v1/chat/completions".into(),
            http_model: "default".into(),
            http_api_key: None,
            http_timeout_ms: 3000,
            http_retries: 2,
            http_tools: true,
            detour_budget_s: corridor.detour_budget_s,
            max_detour_m: corridor.max_detour_m,
            propose_within_s: policy.propose_within_s,
            min_ahead_m: corridor.min_ahead_m,
            min_open_s: corridor.min_open_s,
            min_confidence: policy.min_confidence,
            response_timeout_s: policy.response_timeout_s,
            settle_s: GateConfig::default().settle_s,
            co2_high_ppm: policy.co2_high_ppm,
            drowsy_rest: policy.drowsy_rest,
            poi_file: None,
            profile: "default".into(),
            profile_db: None,
            preferences: PreferenceMode::Learn,
            voice_answer_window_s: policy.voice_answer_window_s,
            passenger_voice_answers: policy.passenger_voice_answers,
            interest_model: true,
            stream_first_words: true,
        }
    }
}

impl AgentConfig {
    /// Checks values a typo could make absurd; names the key.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("detour_budget_s", self.detour_budget_s),
            ("max_detour_m", self.max_detour_m),
            ("propose_within_s", self.propose_within_s),
            ("response_timeout_s", self.response_timeout_s),
            ("voice_answer_window_s", self.voice_answer_window_s),
        ];
        for (k, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{k} = {v}: must be a positive number"));
            }
        }
        for (k, v) in [
            ("min_ahead_m", self.min_ahead_m),
            ("min_open_s", self.min_open_s),
            ("settle_s", self.settle_s),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("{k} = {v}: must be zero or positive"));
            }
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(format!(
                "min_confidence = {}: must be in 0..1",
                self.min_confidence
            ));
        }
        if !(1..=64).contains(&self.threads) {
            return Err(format!("threads = {}: must be 1..=64", self.threads));
        }
        if self.max_tokens == 0 || self.max_tokens > 512 {
            return Err(format!("max_tokens = {}: must be 1..=512", self.max_tokens));
        }
        if self.profile.trim().is_empty() {
            return Err("profile: must not be empty".into());
        }
        Ok(())
    }

    pub fn corridor(&self) -> CorridorConfig {
        CorridorConfig {
            min_ahead_m: self.min_ahead_m,
            detour_budget_s: self.detour_budget_s,
            max_detour_m: self.max_detour_m,
            min_open_s: self.min_open_s,
            ..CorridorConfig::default()
        }
    }

    pub fn policy(&self) -> PolicyConfig {
        PolicyConfig {
            propose_within_s: self.propose_within_s,
            min_confidence: self.min_confidence,
            response_timeout_s: self.response_timeout_s,
            co2_high_ppm: self.co2_high_ppm,
            co2_clear_ppm: (self.co2_high_ppm - 200.0).max(0.0),
            drowsy_rest: self.drowsy_rest,
            voice_answer_window_s: self.voice_answer_window_s,
            passenger_voice_answers: self.passenger_voice_answers,
            ..PolicyConfig::default()
        }
    }

    pub fn gate(&self) -> GateConfig {
        GateConfig {
            settle_s: self.settle_s,
            ..GateConfig::default()
        }
    }

    pub fn memory(&self) -> MemoryConfig {
        MemoryConfig::default()
    }

    /// The local model's settings (the model path resolved against `models/`).
    pub fn local(&self) -> crate::Result<LocalConfig> {
        Ok(LocalConfig {
            threads: self.threads,
            max_tokens: self.max_tokens,
            time_budget: Duration::from_millis(self.time_budget_ms),
            ..LocalConfig::new(crate::resolve_model(&self.model)?)
        })
    }

    pub fn http(&self) -> HttpConfig {
        HttpConfig {
            model: self.http_model.clone(),
            api_key: self.http_api_key.clone(),
            timeout: Duration::from_millis(self.http_timeout_ms.max(1)),
            retries: self.http_retries,
            tools: self.http_tools,
            max_tokens: self.max_tokens as u32,
            ..HttpConfig::new(&self.http_url)
        }
    }

    /// The store path (the default when unset).
    pub fn profile_db(&self) -> PathBuf {
        self.profile_db
            .as_ref()
            .map(PathBuf::from)
            .unwrap_or_else(crate::interests::default_profile_db)
    }

    /// The backend to use: the configured one, else `local` when its model exists.
    pub fn backend_kind(&self) -> BackendKind {
        self.backend.unwrap_or_else(|| {
            if crate::resolve_model(&self.model).is_ok() {
                BackendKind::Local
            } else {
                BackendKind::Template
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_bus::config::NodeSpec;

    #[test]
    fn params_parse_with_defaults_and_reject_typos() {
        let spec = NodeSpec::inline(
            "agent",
            "agent",
            "backend = \"template\"\ndetour_budget_s = 120\npreferences = \"off\"",
        )
        .expect("spec");
        let c: AgentConfig = spec.params().expect("params");
        assert_eq!(c.backend, Some(BackendKind::Template));
        assert_eq!(c.detour_budget_s, 120.0);
        assert_eq!(c.preferences, PreferenceMode::Off);
        assert_eq!(c.threads, 1);
        let bad = NodeSpec::inline("agent", "agent", "detour_budget = 120").expect("spec");
        let e = bad.params::<AgentConfig>().unwrap_err().to_string();
        assert!(e.contains("detour_budget") && e.contains("agent"), "{e}");
        let c = AgentConfig {
            detour_budget_s: -1.0,
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().contains("detour_budget_s"));
    }
}
