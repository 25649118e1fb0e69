//! Prints a scenario's ground truth: scored episodes, utterances, and when the vehicle passes each POI
//! (distance from the route, open or not). `target/debug/examples/scenario_facts [default|FILE]`

use cabin_sim::scenario::Scenario;

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "default".into());
    let s = match Scenario::from_name_or_path(&arg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "scenario '{}': {:.0} s, starts at {:02}:{:02}, camera {} fps",
        s.name,
        s.duration_s,
        s.start_time_of_day_s / 3600,
        s.start_time_of_day_s / 60 % 60,
        s.camera.fps
    );
    println!("episodes:");
    for e in s.episodes() {
        println!(
            "  {:>7.2} - {:>7.2} s  {:<20} {} (line {})",
            e.start_s,
            e.end_s,
            e.kind.label(),
            e.detail,
            e.line
        );
    }
    println!("conversation:");
    for u in &s.conversation {
        println!("  {:>7.2} s  {:?}: {}", u.at_s, u.speaker, u.text);
    }
    println!(
        "POIs (route {:.0} m, {:.0} m driven):",
        s.route.path.length_m(),
        s.route.speed.distance_at(s.duration_s)
    );
    for p in s.poi_passages() {
        let at = p.at_s.map_or("never".to_string(), |t| format!("{t:.1} s"));
        println!(
            "  {:<22} {:>6.0} m off the route at {:>6.0} m: passed {at}{}",
            p.name,
            p.offset_m,
            p.along_m,
            if p.at_s.is_some() {
                if p.open {
                    ", open"
                } else {
                    ", CLOSED"
                }
            } else {
                ""
            }
        );
    }
}
