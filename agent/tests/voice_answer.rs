//! Answering a suggestion by voice (issue 13, item 2). One drive through real speech to text: espeak-ng
//! says "Yes, please." on the driver's microphone channel after the suggestion, the speech node
//! (Silero VAD + Moonshine, the models in models/stt) transcribes it, and the agent accepts by voice.
//! The other cases use scripted utterances through the same agent node: the rules that read the words
//! and the window, speaker and first-answer-wins rules do not depend on how the text was heard.

mod common;

use cabin_agent::assistant::PHRASE_AFTER;
use cabin_agent::listen::{SpeechConfig, SpeechNode};
use cabin_agent::AgentNode;
use cabin_bus::audio_file::read_wav;
use cabin_bus::prelude::*;
use common::*;
use std::sync::Arc;

fn agent(extra: &str) -> Box<dyn Node> {
    let params = format!("backend = \"template\"\npreferences = \"off\"\n{extra}");
    let spec = NodeSpec::inline("agent", "agent", &params).expect("spec");
    Box::new(AgentNode::from_spec(&spec).expect("agent"))
}

/// A 200 s drive with an attentive driver (a state every second): the passenger's coffee remark at
/// 20 s, Bean There Coffee 10 km along the route, proposed as suggestion 1 at [`SUGGESTED_AT`].
fn drive() -> Script {
    let mut s = coffee_drive();
    for t in 0..=200 {
        s = s.at(t as f64, topics::DRIVER_STATE, driver(0.0, 3.0));
    }
    s
}

/// When [`drive`]'s suggestion is made (checked by every test that relies on it).
const SUGGESTED_AT: f64 = 161.0;

fn decisions(out: &[Arc<Sample>]) -> Vec<(f64, AgentDecision)> {
    let d = on(out, topics::DECISION);
    for (t, d) in &d {
        println!("{t:>7.1} {:<20} {}", d.decision, d.reason);
    }
    d
}

/// The drive's one suggestion, checked to be where the tests expect it: proposed at [`SUGGESTED_AT`],
/// phrased and published [`PHRASE_AFTER`] later (the decision goes out before the phrasing).
fn suggested(out: &[Arc<Sample>]) {
    let s = on(out, topics::SUGGESTION);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].1.id, 1);
    let phrased_at = SUGGESTED_AT + PHRASE_AFTER.as_secs_f64();
    assert!(
        (s[0].0 - phrased_at).abs() < 1e-6,
        "suggested at {}",
        s[0].0
    );
    let proposed = on(out, topics::DECISION)
        .into_iter()
        .find(|(_, d)| d.decision == "proposed")
        .expect("proposed");
    assert_eq!(proposed.0, SUGGESTED_AT);
}

fn with(decisions: &[(f64, AgentDecision)], what: &str) -> Vec<(f64, AgentDecision)> {
    decisions
        .iter()
        .filter(|(_, d)| d.decision == what)
        .cloned()
        .collect()
}

fn say(script: Script, t: f64, speaker: Speaker, text: &str) -> Script {
    script.at(t, topics::UTTERANCE, said(speaker, text))
}

fn touch(script: Script, t: f64, answer: Answer) -> Script {
    script.at(
        t,
        topics::RESPONSE,
        UserResponse {
            suggestion_id: 1,
            answer,
            source: ResponseSource::Touch,
        },
    )
}

/// Speaks `text` (espeak-ng) on `channel` starting `delay_s` after each suggestion it sees, in 100 ms
/// chunks of 16 kHz audio followed by a second of silence (so the speech detector ends the segment).
struct Answerer {
    samples: Vec<f32>,
    channel: u8,
    delay_s: f64,
    /// When the next chunk is due, and how far into `samples` it starts.
    next: Option<(f64, usize)>,
}

impl Node for Answerer {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Suggestion]
    }
    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult {
        let t = sample.header.stamp.as_secs_f64() + self.delay_s;
        self.next = Some((t, 0));
        ctx.wake_at(SimTime::from_secs_f64(t));
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        let now = ctx.now().as_secs_f64();
        while let Some((t, at)) = self.next {
            if t > now + 1e-9 {
                ctx.wake_at(SimTime::from_secs_f64(t));
                break;
            }
            let end = (at + 1600).min(self.samples.len());
            ctx.publish(
                topics::AUDIO,
                AudioChunk {
                    sample_rate_hz: 16_000,
                    channel: self.channel,
                    samples: self.samples[at..end].to_vec(),
                },
            );
            self.next = (end < self.samples.len()).then_some((t + 0.1, end));
        }
        Ok(())
    }
}

#[test]
fn a_spoken_yes_please_accepts_through_real_speech_to_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = read_wav(&espeak(dir.path(), "yes", "Yes, please.")).expect("wav");
    let mut samples = wav.samples;
    samples.extend(vec![0.0f32; 16_000]);
    let answerer = Answerer {
        samples,
        channel: 0, // the driver's channel in the default speech config
        delay_s: 1.5,
        next: None,
    };
    let out = run(
        drive(),
        vec![
            ("answerer", Box::new(answerer)),
            ("speech", Box::new(SpeechNode::new(SpeechConfig::default()))),
            ("agent", agent("")),
        ],
    );
    let utts = on(&out, topics::UTTERANCE);
    for (t, u) in &utts {
        println!("{t:>7.2} {:?} {:?}: {:?}", u.speaker, u.source, u.text);
    }
    let d = decisions(&out);
    suggested(&out);
    let heard: Vec<_> = utts
        .iter()
        .filter(|(_, u)| u.source == UtteranceSource::SpeechToText)
        .collect();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0].1.speaker, Speaker::Driver);
    let accepted = with(&d, "accepted");
    assert_eq!(accepted.len(), 1, "{d:?}");
    let reason = &accepted[0].1.reason;
    assert!(
        reason
            .contains("suggestion 1 (Bean There Coffee for coffee) accepted by voice (driver, cue"),
        "{reason}"
    );
    assert!(reason.contains("yes please"), "{reason}");
    assert!(accepted[0].0 > SUGGESTED_AT + 1.5);
    // the interest is served, and nothing else was made of the words
    assert!(with(&d, "interest_cancelled")
        .iter()
        .any(|(_, d)| d.reason.contains("served by the answer to suggestion 1")));
    assert!(
        with(&d, "interest_added").len() == 1,
        "only the coffee remark"
    );
}

#[test]
fn no_thanks_declines_and_the_place_is_remembered() {
    let out = run(
        say(drive(), 165.0, Speaker::Driver, "No thanks."),
        vec![("agent", agent(""))],
    );
    let d = decisions(&out);
    suggested(&out);
    let declined = with(&d, "declined");
    assert_eq!(declined.len(), 1);
    assert!(
        declined[0].1.reason.contains(
            "declined by voice (driver, cue \"no thanks\" in \"No thanks.\"): remembered"
        ),
        "{}",
        declined[0].1.reason
    );
}

#[test]
fn maybe_later_declines_for_now() {
    let out = run(
        say(drive(), 165.0, Speaker::Driver, "Maybe later."),
        vec![("agent", agent(""))],
    );
    let d = decisions(&out);
    let declined = with(&d, "declined");
    assert_eq!(declined.len(), 1);
    assert!(
        declined[0].1.reason.contains("declined for now by voice")
            && declined[0].1.reason.contains("may be proposed again"),
        "{}",
        declined[0].1.reason
    );
}

#[test]
fn a_passenger_yes_does_not_accept_unless_the_deployment_allows_it() {
    let script = || say(drive(), 165.0, Speaker::Passenger, "Yes, please.");
    let out = run(script(), vec![("agent", agent(""))]);
    let d = decisions(&out);
    suggested(&out);
    assert!(with(&d, "accepted").is_empty());
    let ignored = with(&d, "answer_ignored");
    assert_eq!(ignored.len(), 1);
    assert!(
        ignored[0]
            .1
            .reason
            .contains("only the driver answers by voice (passenger_voice_answers is off)"),
        "{}",
        ignored[0].1.reason
    );

    let out = run(
        script(),
        vec![("agent", agent("passenger_voice_answers = true"))],
    );
    let accepted = with(&decisions(&out), "accepted");
    assert_eq!(accepted.len(), 1);
    assert!(accepted[0].1.reason.contains("by voice (passenger"));
}

#[test]
fn a_touch_after_a_voice_answer_is_ignored_and_logged() {
    let script = touch(
        say(drive(), 165.0, Speaker::Driver, "Sure, let's go."),
        170.0,
        Answer::Decline,
    );
    let out = run(script, vec![("agent", agent(""))]);
    let d = decisions(&out);
    assert_eq!(with(&d, "accepted").len(), 1);
    assert!(with(&d, "declined").is_empty());
    let ignored = with(&d, "answer_ignored");
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0].0, 170.0);
    assert!(
        ignored[0].1.reason.contains(
            "was already accepted by voice (driver, cue \"sure let's go\" in \"Sure, let's go.\"); declined by touch ignored"
        ),
        "{}",
        ignored[0].1.reason
    );

    // and the other way round: a voice after a touch
    let script = say(
        touch(drive(), 163.0, Answer::Accept),
        165.0,
        Speaker::Driver,
        "No thanks.",
    );
    let d = decisions(&run(script, vec![("agent", agent(""))]));
    assert_eq!(with(&d, "accepted").len(), 1);
    assert!(with(&d, "accepted")[0]
        .1
        .reason
        .ends_with("accepted by touch"));
    let ignored = with(&d, "answer_ignored");
    assert_eq!(ignored.len(), 1);
    assert!(ignored[0].1.reason.contains("already accepted by touch"));
}

#[test]
fn an_answer_outside_the_window_is_not_an_answer() {
    // 20 s after the suggestion (window 12 s): ordinary speech; the suggestion still waits for a touch
    let out = run(
        say(
            drive(),
            SUGGESTED_AT + 20.0,
            Speaker::Driver,
            "Yes, please.",
        ),
        vec![("agent", agent(""))],
    );
    let d = decisions(&out);
    assert!(with(&d, "accepted").is_empty());
    let not = with(&d, "not_an_answer");
    assert_eq!(not.len(), 1);
    assert!(
        not[0]
            .1
            .reason
            .contains("heard 20.0 s after suggestion 1, outside the 12 s answer window"),
        "{}",
        not[0].1.reason
    );
    // and before the suggestion: a "yes" from earlier talk is never an answer
    let d = decisions(&run(
        say(drive(), 100.0, Speaker::Driver, "Yes, please."),
        vec![("agent", agent(""))],
    ));
    assert!(with(&d, "accepted").is_empty() && with(&d, "not_an_answer").is_empty());
}

#[test]
fn no_lets_go_is_not_acceptance() {
    let out = run(
        say(drive(), 165.0, Speaker::Driver, "No, let's go."),
        vec![("agent", agent(""))],
    );
    let d = decisions(&out);
    assert!(with(&d, "accepted").is_empty());
    let declined = with(&d, "declined");
    assert_eq!(declined.len(), 1);
    assert!(
        declined[0]
            .1
            .reason
            .contains("cue \"no\" (overrides \"let's go\")"),
        "{}",
        declined[0].1.reason
    );
    // the same words with a yes accept
    let d = decisions(&run(
        say(drive(), 165.0, Speaker::Driver, "Yes, let's go."),
        vec![("agent", agent(""))],
    ));
    assert_eq!(with(&d, "accepted").len(), 1);
}
