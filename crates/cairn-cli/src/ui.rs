//! Human output: lines on stdout, errors and a spinner on stderr, colours only on a terminal
//! (and never with `NO_COLOR`).

use std::future::Future;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

/// Writes one line to stdout (a closed pipe is not an error worth a panic).
pub fn out(line: &str) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// Writes one line to stderr.
pub fn err(line: &str) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

fn colour_allowed() -> bool {
    io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `text` in red on a colour terminal.
pub fn red(text: &str) -> String {
    if colour_allowed() { format!("\x1b[31m{text}\x1b[0m") } else { text.to_owned() }
}

/// `text` dimmed on a colour terminal.
pub fn dim(text: &str) -> String {
    if colour_allowed() { format!("\x1b[2m{text}\x1b[0m") } else { text.to_owned() }
}

/// `text` in green on a colour terminal (stdout).
pub fn green(text: &str) -> String {
    let allowed = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if allowed { format!("\x1b[32m{text}\x1b[0m") } else { text.to_owned() }
}

/// Runs `work` with a spinner and `label` on stderr when stderr is a terminal.
pub async fn spin<T>(label: &str, work: impl Future<Output = T>) -> T {
    if !io::stderr().is_terminal() {
        return work.await;
    }
    let label = label.to_owned();
    let ticker = tokio::spawn(async move {
        const FRAMES: [&str; 4] = ["|", "/", "-", "\\"];
        let mut i = 0usize;
        loop {
            let frame = FRAMES.get(i % FRAMES.len()).copied().unwrap_or("-");
            let _ = write!(io::stderr(), "\r{frame} {label}…");
            let _ = io::stderr().flush();
            i = i.wrapping_add(1);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let result = work.await;
    ticker.abort();
    let _ = ticker.await;
    let _ = write!(io::stderr(), "\r\x1b[2K");
    let _ = io::stderr().flush();
    result
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`.
pub fn date(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", secs / 3600, (secs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::date(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::date(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(super::date(951_782_400), "2000-02-29 00:00 UTC");
    }
}
