//! Helpers for the end-to-end tests: run the built `cairn`, start `cairn emulator serve` as a
//! process, and talk to the emulator's control API over plain HTTP/1.1.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_cairn");

/// A valid 12-word BIP39 phrase (the BIP39 test vector for all-zero entropy).
pub const PHRASE: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
/// A valid 24-word phrase (the test vector for entropy 0x7f…7f).
pub const PHRASE_24: &str = "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title";
/// A secp256k1 private key in hex.
pub const KEY_HEX: &str = "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d";

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The single JSON document on stdout.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!("stdout is not one JSON document ({e}): {:?} / stderr {:?}", self.stdout, self.stderr)
        })
    }

    /// The `error.kind` of a `--json` failure.
    pub fn error_kind(&self) -> String {
        let doc = self.json();
        let error = &doc["error"];
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {doc}");
        assert!(error["hint"].as_str().is_some_and(|m| !m.is_empty()), "no hint: {doc}");
        error["kind"].as_str().unwrap_or_else(|| panic!("no error kind: {doc}")).to_owned()
    }

    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A sandbox: temp dirs for the data and config homes and for secret files.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    /// Every output of every run, to check afterwards that no secret leaked.
    pub transcript: std::cell::RefCell<Vec<(Vec<String>, String)>>,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox { dir: tempfile::tempdir().unwrap(), transcript: Default::default() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a secret file (with a trailing newline, as editors do) and returns its path.
    pub fn secret(&self, name: &str, content: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, format!("{content}\n")).unwrap();
        path.to_str().unwrap().to_owned()
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("HOME", self.dir.path())
            .env_remove("CAIRN_EMULATOR_URL")
            .env_remove("CAIRN_HUAWEI_ACCESS_TOKEN")
            .env_remove("CAIRN_GOOGLE_CLIENT_ID")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        let output: Output = child.wait_with_output().unwrap();
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        self.transcript.borrow_mut().push((args.iter().map(|a| a.to_string()).collect(), run.all()));
        run
    }

    /// Asserts that none of `secrets` appears in any output, except of runs with `--reveal`.
    pub fn assert_no_leak(&self, secrets: &[&str]) {
        for (args, output) in self.transcript.borrow().iter() {
            if args.iter().any(|a| a == "--reveal") {
                continue;
            }
            for secret in secrets {
                assert!(!output.contains(secret), "a secret leaked in the output of {args:?}");
            }
        }
    }
}

/// `cairn emulator serve --port 0` as a child process; killed on drop.
pub struct EmulatorProcess {
    pub child: Child,
    pub url: String,
}

impl EmulatorProcess {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["emulator", "serve", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}"));
        EmulatorProcess { url: url.to_owned(), child }
    }

    /// The options selecting this emulator, one account and a service.
    pub fn args<'a>(&'a self, account: &'a str, service: &'a str) -> Vec<&'a str> {
        vec![
            "--provider",
            "emulator",
            "--endpoint",
            &self.url,
            "--account",
            account,
            "--emulator-service",
            service,
            "--json",
        ]
    }

    /// A control-API call; returns the status and the JSON body.
    pub fn control(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        http(method, &format!("{}{path}", self.url), Some(body))
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client (no redirects): returns status and JSON body (Null if not JSON),
/// and the Location header via [`http_raw`].
pub fn http(method: &str, url: &str, body: Option<&Value>) -> (u16, Value) {
    let (status, _, text) = http_raw(method, url, body);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub fn http_raw(method: &str, url: &str, body: Option<&Value>) -> (u16, Option<String>, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host).unwrap();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let location = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("location:"))
        .map(|l| l["location:".len()..].trim().to_owned());
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, location, body)
}

/// A raw request with a bearer token and a binary body; returns the status and the body bytes.
pub fn http_bytes(method: &str, url: &str, bearer: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {bearer}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response");
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    assert!(!head.contains("transfer-encoding: chunked"), "unexpected chunked answer");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response[split + 4..].to_vec())
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}
