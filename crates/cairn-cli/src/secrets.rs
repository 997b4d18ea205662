//! Where secrets come from: a file (`-` = stdin) or a no-echo prompt on the terminal. Never from
//! command-line arguments, never echoed, wiped after use (the strings move into zeroizing types).

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::Path;

use cairn_crypto::{BackupPassword, SecretString};

use crate::error::CliError;

/// Secret files are small; a bigger one is not what the user meant to give.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// Reads a secret file (or stdin for `-`). Only the final line break is removed, so a password
/// with leading or trailing spaces stays exactly as written.
pub fn read_secret_file(path: &Path) -> Result<SecretString, CliError> {
    let shown = path.display().to_string();
    // Full capacity up front, so reading never reallocates and leaves unwiped copies behind.
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(MAX_SECRET_FILE as usize + 1));
    let read = if path == Path::new("-") {
        io::stdin().lock().take(MAX_SECRET_FILE + 1).read_to_end(&mut bytes)
    } else {
        File::open(path)
            .map_err(|e| CliError::Input(format!("cannot open {shown}: {}", e.kind())))?
            .take(MAX_SECRET_FILE + 1)
            .read_to_end(&mut bytes)
    };
    let secret = match std::str::from_utf8(&bytes) {
        Ok(text) => SecretString::new(text.to_owned()),
        Err(_) => return Err(CliError::Input(format!("{shown} is not UTF-8 text"))),
    };
    match read {
        Ok(n) if n as u64 > MAX_SECRET_FILE => {
            Err(CliError::Input(format!("{shown} is too large for a secret")))
        }
        Ok(_) => {
            let body = secret.expose_str();
            let body = body.strip_suffix('\n').unwrap_or(body);
            let body = body.strip_suffix('\r').unwrap_or(body);
            Ok(SecretString::new(body.to_owned()))
        }
        Err(e) => Err(CliError::Input(format!("cannot read {shown}: {}", e.kind()))),
    }
}

/// A password from `file`, or from a no-echo prompt when there is a terminal.
pub fn password(file: Option<&Path>, prompt: &str) -> Result<BackupPassword, CliError> {
    match file {
        Some(path) => Ok(BackupPassword::from_user_input(read_secret_file(path)?.expose_str().to_owned())),
        None => Ok(BackupPassword::from_user_input(prompt_no_echo(prompt)?.expose_str().to_owned())),
    }
}

/// A new password: from `file`, or typed twice on the terminal (they must match).
pub fn new_password(file: Option<&Path>, prompt: &str) -> Result<BackupPassword, CliError> {
    if let Some(path) = file {
        return password(Some(path), prompt);
    }
    let first = prompt_no_echo(prompt)?;
    let again = prompt_no_echo("Type it again")?;
    let same = first.expose_str().len() == again.expose_str().len()
        && first.expose_str().bytes().zip(again.expose_str().bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(CliError::Usage("the two passwords differ; nothing was changed".into()));
    }
    Ok(BackupPassword::from_user_input(first.expose_str().to_owned()))
}

/// Reads one line from the terminal with echo off. Without a terminal there is nobody to ask.
fn prompt_no_echo(prompt: &str) -> Result<SecretString, CliError> {
    let no_terminal = || {
        CliError::Usage(
            "no terminal to ask for the password: give it with --password-file FILE (`-` reads stdin)".into(),
        )
    };
    if !io::stdin().is_terminal() {
        return Err(no_terminal());
    }
    let tty = File::options().read(true).write(true).open("/dev/tty").map_err(|_| no_terminal())?;
    let mut out = &tty;
    // Echo goes off before the prompt shows, so nothing typed after it can be echoed.
    let guard = EchoOff::new(&tty);
    let _ = write!(out, "{prompt}: ");
    let _ = out.flush();
    // Capacity up front so a typed password does not leave reallocated, unwiped copies.
    let mut line = String::with_capacity(4096);
    let read = BufReader::new(&tty).read_line(&mut line);
    drop(guard);
    let _ = writeln!(out);
    let secret = SecretString::new(line);
    read.map_err(|e| CliError::Internal(format!("cannot read from the terminal: {}", e.kind())))?;
    let text = secret.expose_str();
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    Ok(SecretString::new(text.to_owned()))
}

/// Turns terminal echo off and restores the previous settings when dropped.
struct EchoOff {
    fd: i32,
    saved: Option<libc::termios>,
}

impl EchoOff {
    fn new(tty: &File) -> Self {
        use std::os::fd::AsRawFd;
        let fd = tty.as_raw_fd();
        // SAFETY: `termios` is a plain C struct for which all-zero bytes are a valid value; it is
        // fully written by `tcgetattr` before being read.
        let mut settings: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is an open descriptor owned by `tty`, alive for this call; `settings` is a
        // valid, writable termios.
        if unsafe { libc::tcgetattr(fd, &mut settings) } != 0 {
            return EchoOff { fd, saved: None };
        }
        let saved = settings;
        settings.c_lflag &= !libc::ECHO;
        settings.c_lflag |= libc::ECHONL;
        // SAFETY: as above; `settings` was initialised by `tcgetattr`.
        let changed = unsafe { libc::tcsetattr(fd, libc::TCSANOW, &settings) } == 0;
        EchoOff { fd, saved: changed.then_some(saved) }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            // SAFETY: `fd` is still open (the guard is dropped before the `File` it borrows from)
            // and `saved` came from `tcgetattr`.
            unsafe {
                libc::tcsetattr(self.fd, libc::TCSANOW, saved);
            }
        }
    }
}

impl std::fmt::Debug for EchoOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoOff").field("fd", &self.fd).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_final_line_break_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "  spaced pw \r\n").unwrap();
        assert_eq!(read_secret_file(&path).unwrap().expose_str(), "  spaced pw ");
        std::fs::write(&path, "two\n\n").unwrap();
        assert_eq!(read_secret_file(&path).unwrap().expose_str(), "two\n");
    }

    #[test]
    fn oversized_and_missing_files_are_input_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'a'; 70_000]).unwrap();
        assert!(matches!(read_secret_file(&path), Err(CliError::Input(_))));
        assert!(matches!(read_secret_file(&dir.path().join("none")), Err(CliError::Input(_))));
    }
}
