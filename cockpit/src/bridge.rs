//! External input into a deterministic run: the HMI's accept/decline, a bench operator's command.
//!
//! The deterministic executor owns time, so outside input cannot be published into it directly. The
//! bridge is a node that drains a channel at a fixed sim-time rate and publishes what it finds, stamped
//! with the current sim time. With no input it publishes nothing, so it never changes a run's events log;
//! with input the events log records exactly when the input entered.

use cabin_bus::messages::Message;
use cabin_bus::runtime::{Context, Node, NodeResult};
use cabin_bus::{Sample, SimDuration, TopicId};
use crossbeam_channel::{Receiver, Sender};

/// Input waiting to enter the run.
pub type Inbound = (TopicId, Message);

/// The node side of the bridge.
pub struct InputBridge {
    rx: Receiver<Inbound>,
    period: SimDuration,
}

/// Creates a bridge node and the sender that feeds it.
pub fn input_bridge(period: SimDuration) -> (Sender<Inbound>, InputBridge) {
    let (tx, rx) = crossbeam_channel::bounded(1024);
    (tx, InputBridge { rx, period })
}

impl Node for InputBridge {
    fn inputs(&self) -> Vec<TopicId> {
        vec![]
    }
    fn tick_period(&self) -> Option<SimDuration> {
        Some(self.period)
    }
    fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        while let Ok((topic, message)) = self.rx.try_recv() {
            if message.kind() != topic.info().kind {
                ctx.reject_input(
                    topic,
                    format!("a {:?} does not belong on {topic}", message.kind()),
                );
                continue;
            }
            match message {
                Message::UserResponse(r) => ctx.publish(cabin_bus::topics::RESPONSE, r),
                other => ctx.reject_input(
                    topic,
                    format!("the bridge does not forward {:?}", other.kind()),
                ),
            }
        }
        Ok(())
    }
}
