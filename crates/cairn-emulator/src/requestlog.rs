//! The request log behind `GET /__control/requests`: a bounded ring buffer of method, path,
//! redacted query, status, account and fault outcome. Never tokens, codes, secrets or bodies.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

/// One logged request.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LogEntry {
    pub seq: u64,
    pub time: String,
    pub method: String,
    pub path: String,
    /// Query parameters; values of anything not on the allow-list read `[redacted]`.
    pub query: BTreeMap<String, String>,
    /// `None` when the connection was dropped without a response.
    pub status: Option<u16>,
    pub account: Option<String>,
    /// `ok`, `fault` (synthesized error), `delayed`, `dropped`, `corrupted` or `truncated`.
    pub outcome: &'static str,
    pub fault_rule: Option<u64>,
    pub duration_ms: u64,
}

/// Query parameters whose values are not credentials and help assertions.
const SAFE_PARAMS: &[&str] = &[
    "uploadType",
    "fields",
    "q",
    "queryParam",
    "pageSize",
    "pageToken",
    "cursor",
    "spaces",
    "containers",
    "corpora",
    "orderBy",
    "alt",
    "form",
    "addParents",
    "removeParents",
    "prettyPrint",
    "supportsAllDrives",
    "includeItemsFromAllDrives",
    "acknowledgeAbuse",
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "code_challenge_method",
    "login_hint",
    "access_type",
    "prompt",
    "grant_type",
];

/// Maps raw query pairs to the logged form.
pub(crate) fn redact_query(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in pairs.iter().take(32) {
        let value = if SAFE_PARAMS.contains(&k.as_str()) {
            v.chars().take(512).collect()
        } else {
            "[redacted]".to_owned()
        };
        out.entry(k.chars().take(64).collect()).or_insert(value);
    }
    out
}

/// The ring buffer.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<LogEntry>,
    capacity: usize,
    next_seq: u64,
    evicted: u64,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { entries: VecDeque::new(), capacity, next_seq: 1, evicted: 0 }
    }

    /// Appends an entry, assigning its sequence number, evicting the oldest when full.
    pub(crate) fn push(&mut self, mut entry: LogEntry) {
        if self.capacity == 0 {
            return;
        }
        entry.seq = self.next_seq;
        self.next_seq += 1;
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
            self.evicted += 1;
        }
        self.entries.push_back(entry);
    }

    /// Entries with `seq > since`, at most `limit`.
    pub(crate) fn since(&self, since: u64, limit: usize) -> Vec<LogEntry> {
        self.entries.iter().filter(|e| e.seq > since).take(limit).cloned().collect()
    }

    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> LogEntry {
        LogEntry {
            seq: 0,
            time: String::new(),
            method: "GET".into(),
            path: "/".into(),
            query: BTreeMap::new(),
            status: Some(200),
            account: None,
            outcome: "ok",
            fault_rule: None,
            duration_ms: 0,
        }
    }

    #[test]
    fn ring_buffer_is_bounded() {
        let mut log = RequestLog::new(3);
        for _ in 0..10 {
            log.push(entry());
        }
        let all = log.since(0, 100);
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![8, 9, 10]);
        assert_eq!(log.evicted(), 7);
        assert_eq!(log.since(9, 100).len(), 1);
    }

    #[test]
    fn credentials_in_queries_are_redacted() {
        let pairs = vec![
            ("access_token".to_owned(), "ya29.secret".to_owned()),
            ("upload_id".to_owned(), "sess".to_owned()),
            ("code".to_owned(), "4/0Asecret".to_owned()),
            ("uploadType".to_owned(), "resumable".to_owned()),
        ];
        let q = redact_query(&pairs);
        assert_eq!(q["uploadType"], "resumable");
        assert_eq!(q["access_token"], "[redacted]");
        assert_eq!(q["code"], "[redacted]");
        assert!(!format!("{q:?}").contains("secret"));
    }
}
