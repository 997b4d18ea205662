//! navikt's mock-oauth2-server (Maven Central `no.nav.security:mock-oauth2-server`, MIT) as an
//! independent OAuth 2.0 server for tests: fetched once with Maven into a cache folder, run as
//! a standalone JVM process on a free loopback port, killed when the handle drops.
//!
//! Self-contained on purpose (std + reqwest only), so `cargo xtask` can reuse it verbatim.
//!
//! - Cache: `$CAIRN_TOOLS_DIR/mock-oauth2-server-<version>/deps`, default
//!   `<workspace>/target/tools/...`. Fetching is idempotent (a complete `deps` folder is reused)
//!   and safe against concurrent test processes (each fetches into its own folder and renames).
//! - Java 17+ and Maven are required. Without them the server is unavailable: under CI
//!   (`CI` set and not `false`/`0`) that is a test failure; elsewhere tests print why and skip.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const VERSION: &str = "2.2.1";
const MAIN_CLASS: &str = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt";

/// A running server. Its issuer is `default`: endpoints are `{base}/default/authorize`,
/// `{base}/default/token`, …
pub struct MockOAuth2Server {
    child: Child,
    pub base: String,
}

impl MockOAuth2Server {
    pub fn authorize_url(&self) -> String {
        format!("{}/default/authorize", self.base)
    }

    pub fn token_url(&self) -> String {
        format!("{}/default/token", self.base)
    }

    /// Fetches (first time only) and starts the server. `None` means Java or Maven are missing
    /// outside CI: the caller skips its test. Under CI that case panics instead.
    pub async fn start() -> Option<MockOAuth2Server> {
        let missing: Vec<_> = ["java", "mvn"].into_iter().filter(|tool| !on_path(tool)).collect();
        if !missing.is_empty() {
            let message = format!(
                "mock-oauth2-server needs Java 17+ and Maven; not found: {}. Install them \
                 (Debian: apt-get install -y openjdk-17-jre-headless maven)",
                missing.join(", ")
            );
            if running_in_ci() {
                panic!("{message}");
            }
            eprintln!("SKIPPED (not under CI): {message}");
            return None;
        }
        let deps = fetch_jars().unwrap_or_else(|e| panic!("fetching mock-oauth2-server failed: {e}"));
        Some(launch(&deps).await)
    }
}

impl Drop for MockOAuth2Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0")
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
}

fn cache_dir() -> PathBuf {
    let tools = match std::env::var_os("CAIRN_TOOLS_DIR") {
        Some(dir) => PathBuf::from(dir),
        // crates/cairn-cloud → workspace root.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools"),
    };
    tools.join(format!("mock-oauth2-server-{VERSION}"))
}

/// The folder of jars, fetched with `mvn dependency:copy-dependencies` if not yet cached.
pub fn fetch_jars() -> Result<PathBuf, String> {
    let dir = cache_dir();
    let deps = dir.join("deps");
    if deps.join(".complete").is_file() {
        return Ok(deps);
    }
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // Each process works in its own folder; the first complete one is renamed into place.
    let work = dir.join(format!("work-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let pom = format!(
        r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cairn.tools</groupId>
  <artifactId>mock-oauth2-server-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>no.nav.security</groupId>
      <artifactId>mock-oauth2-server</artifactId>
      <version>{VERSION}</version>
    </dependency>
  </dependencies>
</project>
"#
    );
    fs::write(work.join("pom.xml"), pom).map_err(|e| e.to_string())?;
    let output = Command::new("mvn")
        .current_dir(&work)
        .args([
            "-q",
            "-B",
            "dependency:copy-dependencies",
            "-DoutputDirectory=deps",
            "-DincludeScope=runtime",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run mvn: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "mvn failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let fetched = work.join("deps");
    let has_server_jar = fs::read_dir(&fetched)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .any(|entry| entry.file_name().to_string_lossy().starts_with("mock-oauth2-server-"));
    if !has_server_jar {
        return Err("mvn succeeded but the mock-oauth2-server jar is missing".into());
    }
    fs::write(fetched.join(".complete"), VERSION).map_err(|e| e.to_string())?;
    if fs::rename(&fetched, &deps).is_err() && !deps.join(".complete").is_file() {
        return Err(format!("cannot move the jars into {}", deps.display()));
    }
    let _ = fs::remove_dir_all(&work);
    Ok(deps)
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}

async fn launch(deps: &Path) -> MockOAuth2Server {
    let port = free_port();
    let classpath = format!("{}/*", deps.display());
    let child = Command::new("java")
        .args(["-Xmx256m", "-cp", &classpath, MAIN_CLASS])
        // Bind loopback only: the default is every interface.
        .env("SERVER_HOSTNAME", "127.0.0.1")
        .env("SERVER_PORT", port.to_string())
        .env("JSON_CONFIG", r#"{"interactiveLogin":false}"#)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start java");
    let mut server = MockOAuth2Server { child, base: format!("http://127.0.0.1:{port}") };
    let ready_url = format!("{}/default/.well-known/openid-configuration", server.base);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("mock-oauth2-server exited during start-up: {status}");
        }
        if let Ok(response) = client.get(&ready_url).send().await
            && response.status().is_success()
        {
            return server;
        }
        assert!(Instant::now() < deadline, "mock-oauth2-server did not become ready in 90 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
