//! `cabin profile show|forget`: the on-device preference store. It never leaves the car; this is how a
//! driver sees what it learned and erases it.

use crate::cli::{ProfileAction, ProfileArgs};
use anyhow::{Context as _, Result};
use std::process::ExitCode;

pub fn run(args: ProfileArgs) -> Result<ExitCode> {
    let db = args
        .db
        .clone()
        .unwrap_or_else(cabin_agent::interests::default_profile_db);
    match args.action {
        ProfileAction::Show => {
            let text =
                cabin_agent::interests::profile_show(&db, &args.profile).with_context(|| {
                    format!(
                        "cannot read profile '{}' from {}",
                        args.profile,
                        db.display()
                    )
                })?;
            println!("{text}");
        }
        ProfileAction::Forget => {
            cabin_agent::interests::profile_forget(&db, &args.profile).with_context(|| {
                format!(
                    "cannot erase profile '{}' in {}",
                    args.profile,
                    db.display()
                )
            })?;
            println!("profile '{}' erased from {}", args.profile, db.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
