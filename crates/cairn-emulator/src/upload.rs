//! The resumable-upload state machine both personalities share: `Content-Range` parsing, chunk
//! acceptance (overlaps trimmed, gaps refused with the current range, 256 KiB granularity),
//! status queries, and hand-over of the completed bytes.

use bytes::Bytes;

use crate::state::{State, UploadSession};

/// Google's chunk granularity (256 KiB); Huawei's minimum chunk per rclone is the same.
pub(crate) const CHUNK_GRANULARITY: u64 = 256 * 1024;

/// A parsed `Content-Range` request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentRange {
    /// No header: the body is the whole content.
    Whole,
    /// `bytes */N` or `bytes */*`: a status query.
    Status { total: Option<u64> },
    /// `bytes a-b/N` or `bytes a-b/*`.
    Chunk { start: u64, end: u64, total: Option<u64> },
}

/// Parses the header; `Err` = malformed (400).
pub(crate) fn parse_content_range(header: Option<&str>) -> Result<ContentRange, ()> {
    let Some(h) = header else { return Ok(ContentRange::Whole) };
    let rest = h.trim().strip_prefix("bytes").ok_or(())?.trim_start();
    let (range, total) = rest.split_once('/').ok_or(())?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse::<u64>().map_err(|_| ())?),
    };
    if range.trim() == "*" {
        return Ok(ContentRange::Status { total });
    }
    let (a, b) = range.trim().split_once('-').ok_or(())?;
    let start: u64 = a.parse().map_err(|_| ())?;
    let end: u64 = b.parse().map_err(|_| ())?;
    if end < start || total.is_some_and(|t| end >= t) {
        return Err(());
    }
    Ok(ContentRange::Chunk { start, end, total })
}

/// What a PUT to a session led to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PutOutcome {
    /// More bytes are expected; `received` are stored.
    Incomplete { received: u64 },
    /// Every byte is here: the caller finalizes.
    Complete,
    /// The upload had already completed into this file.
    AlreadyFinished(String),
}

/// Why a PUT was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChunkError {
    UnknownSession,
    /// Header / body disagree, or totals conflict.
    BadRange(&'static str),
    /// More than the object cap.
    TooLarge,
    /// A non-final chunk under the granularity (or misaligned in strict mode).
    BadChunkSize {
        received_in_request: u64,
    },
    MemoryFull,
}

impl State {
    /// Applies one PUT to a session.
    pub(crate) fn upload_put(
        &mut self,
        id: &str,
        range: ContentRange,
        body: &Bytes,
        max_object_bytes: u64,
        strict_alignment: bool,
    ) -> Result<PutOutcome, ChunkError> {
        self.expire_uploads();
        let mem_left = self.limits.max_total_bytes.saturating_sub(self.mem_bytes);
        let session: &mut UploadSession = self.uploads.get_mut(id).ok_or(ChunkError::UnknownSession)?;
        if let Some(file) = &session.finished_file {
            return Ok(PutOutcome::AlreadyFinished(file.clone()));
        }
        let body_len = u64::try_from(body.len()).unwrap_or(u64::MAX);
        let received = u64::try_from(session.data.len()).unwrap_or(u64::MAX);
        let check_total = |total: Option<u64>, session: &mut UploadSession| -> Result<(), ChunkError> {
            if let Some(t) = total {
                if t > max_object_bytes {
                    return Err(ChunkError::TooLarge);
                }
                if session.declared_total.is_some_and(|d| d != t) {
                    return Err(ChunkError::BadRange("The total size differs from X-Upload-Content-Length."));
                }
                session.declared_total = Some(t);
            }
            Ok(())
        };
        let (new_data, total): (&[u8], Option<u64>) = match range {
            ContentRange::Whole => {
                check_total(Some(body_len), session)?;
                // The whole content in one request replaces anything stored before.
                let freed = received;
                session.data.clear();
                self.mem_bytes = self.mem_bytes.saturating_sub(freed);
                let session = self.uploads.get_mut(id).ok_or(ChunkError::UnknownSession)?;
                if body_len > mem_left.saturating_add(freed) {
                    return Err(ChunkError::MemoryFull);
                }
                session.data.extend_from_slice(body);
                self.mem_bytes = self.mem_bytes.saturating_add(body_len);
                return Ok(PutOutcome::Complete);
            }
            ContentRange::Status { total } => {
                if !body.is_empty() {
                    return Err(ChunkError::BadRange("A status query must have an empty body."));
                }
                check_total(total, session)?;
                return Ok(match session.declared_total {
                    Some(t) if t == received => PutOutcome::Complete,
                    _ => PutOutcome::Incomplete { received },
                });
            }
            ContentRange::Chunk { start, end, total } => {
                if end - start + 1 != body_len {
                    return Err(ChunkError::BadRange(
                        "The Content-Range does not match the request body length.",
                    ));
                }
                check_total(total, session)?;
                if start > received {
                    // A gap: nothing is stored; the client must resume from the returned range.
                    return Ok(PutOutcome::Incomplete { received });
                }
                let skip = usize::try_from(received - start).unwrap_or(usize::MAX);
                (body.get(skip..).unwrap_or(&[]), session.declared_total)
            }
        };
        let new_len = u64::try_from(new_data.len()).unwrap_or(u64::MAX);
        let after = received.saturating_add(new_len);
        if after > max_object_bytes {
            return Err(ChunkError::TooLarge);
        }
        let is_final = total.is_some_and(|t| after == t);
        let mut keep = new_len;
        if !is_final {
            if body_len < CHUNK_GRANULARITY || (strict_alignment && body_len % CHUNK_GRANULARITY != 0) {
                return Err(ChunkError::BadChunkSize { received_in_request: body_len });
            }
            // The server may keep fewer bytes than sent: only whole 256 KiB units are kept.
            let aligned_after = after - after % CHUNK_GRANULARITY;
            keep = aligned_after.saturating_sub(received);
        }
        if keep > mem_left {
            return Err(ChunkError::MemoryFull);
        }
        let keep_usize = usize::try_from(keep).unwrap_or(0);
        session.data.extend_from_slice(new_data.get(..keep_usize).unwrap_or(&[]));
        let now_received = u64::try_from(session.data.len()).unwrap_or(u64::MAX);
        self.mem_bytes = self.mem_bytes.saturating_add(keep);
        if is_final {
            Ok(PutOutcome::Complete)
        } else {
            Ok(PutOutcome::Incomplete { received: now_received })
        }
    }

    /// Takes the completed bytes out of a session (releasing their memory accounting).
    pub(crate) fn upload_take_data(&mut self, id: &str) -> Option<Bytes> {
        let session = self.uploads.get_mut(id)?;
        let data = std::mem::take(&mut session.data);
        self.mem_bytes = self.mem_bytes.saturating_sub(u64::try_from(data.len()).unwrap_or(0));
        Some(Bytes::from(data))
    }

    /// Removes a session entirely.
    pub(crate) fn upload_drop(&mut self, id: &str) -> bool {
        match self.uploads.remove(id) {
            Some(s) => {
                self.mem_bytes = self.mem_bytes.saturating_sub(u64::try_from(s.data.len()).unwrap_or(0));
                true
            }
            None => false,
        }
    }
}

/// The `Range` response header for `received` stored bytes (`None` when nothing is stored).
pub(crate) fn range_header(received: u64) -> Option<String> {
    (received > 0).then(|| format!("bytes=0-{}", received - 1))
}

/// A parsed `Range` request header for downloads.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ByteRange {
    Full,
    Partial { start: u64, end: u64 },
    Unsatisfiable,
}

/// Single-range `bytes=a-b`, `bytes=a-`, `bytes=-n`. Anything else (multi-range, garbage) is
/// ignored and the full content is served, as RFC 9110 allows.
pub(crate) fn parse_range(header: Option<&str>, size: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return ByteRange::Full };
    if spec.contains(',') {
        return ByteRange::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return ByteRange::Full };
    let (a, b) = (a.trim(), b.trim());
    let parsed = match (a.is_empty(), b.is_empty()) {
        (true, false) => match b.parse::<u64>() {
            Ok(0) => return ByteRange::Unsatisfiable,
            Ok(n) => Some((size.saturating_sub(n), size.saturating_sub(1))),
            Err(_) => None,
        },
        (false, true) => a.parse::<u64>().ok().map(|s| (s, size.saturating_sub(1))),
        (false, false) => match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e => Some((s, e.min(size.saturating_sub(1)))),
            _ => None,
        },
        (true, true) => None,
    };
    match parsed {
        None => ByteRange::Full,
        Some((start, _)) if start >= size => ByteRange::Unsatisfiable,
        Some((start, end)) => ByteRange::Partial { start, end },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Limits, Settings};
    use crate::state::{MetadataPatch, Provider, SpaceKey, UploadTarget};

    fn state_with_session() -> State {
        let mut s = State::new(Limits::default(), Settings::default(), 1, "x".into());
        let now = s.now_ms();
        s.uploads.insert(
            "u".into(),
            UploadSession {
                space: SpaceKey { provider: Provider::Google, account: "a".into(), client_id: "c".into() },
                target: UploadTarget::Create(MetadataPatch::default()),
                declared_total: Some(600_000),
                content_type: None,
                data: Vec::new(),
                created_ms: now,
                finished_file: None,
                fields: None,
                server_id: String::new(),
            },
        );
        s
    }

    #[test]
    fn content_range_forms() {
        assert_eq!(parse_content_range(None), Ok(ContentRange::Whole));
        assert_eq!(
            parse_content_range(Some("bytes */600000")),
            Ok(ContentRange::Status { total: Some(600_000) })
        );
        assert_eq!(parse_content_range(Some("bytes */*")), Ok(ContentRange::Status { total: None }));
        assert_eq!(
            parse_content_range(Some("bytes 0-262143/*")),
            Ok(ContentRange::Chunk { start: 0, end: 262_143, total: None })
        );
        for bad in ["bytes 5-1/10", "bytes 0-10/10", "items 0-1/2", "bytes 0-1", "bytes a-b/3"] {
            assert!(parse_content_range(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn chunked_flow_with_status_queries() {
        let mut s = state_with_session();
        let q = ContentRange::Status { total: Some(600_000) };
        assert_eq!(
            s.upload_put("u", q, &Bytes::new(), 5 << 20, false),
            Ok(PutOutcome::Incomplete { received: 0 })
        );
        let chunk = Bytes::from(vec![1u8; 262_144]);
        let c1 = ContentRange::Chunk { start: 0, end: 262_143, total: Some(600_000) };
        assert_eq!(
            s.upload_put("u", c1, &chunk, 5 << 20, false),
            Ok(PutOutcome::Incomplete { received: 262_144 })
        );
        // A retried (overlapping) chunk adds nothing.
        assert_eq!(
            s.upload_put("u", c1, &chunk, 5 << 20, false),
            Ok(PutOutcome::Incomplete { received: 262_144 })
        );
        // A gap stores nothing.
        let gap = ContentRange::Chunk { start: 524_288, end: 524_288 + 262_143, total: Some(600_000) };
        assert_eq!(
            s.upload_put("u", gap, &chunk, 5 << 20, false),
            Ok(PutOutcome::Incomplete { received: 262_144 })
        );
        // Over 256 KiB but not a multiple: only whole units are kept.
        let odd = Bytes::from(vec![2u8; 300_000]);
        let c2 = ContentRange::Chunk { start: 262_144, end: 262_144 + 299_999, total: Some(600_000) };
        assert_eq!(
            s.upload_put("u", c2, &odd, 5 << 20, false),
            Ok(PutOutcome::Incomplete { received: 524_288 })
        );
        let tail = Bytes::from(vec![3u8; 600_000 - 524_288]);
        let c3 = ContentRange::Chunk { start: 524_288, end: 599_999, total: Some(600_000) };
        assert_eq!(s.upload_put("u", c3, &tail, 5 << 20, false), Ok(PutOutcome::Complete));
        assert_eq!(s.mem_bytes, 600_000);
        let data = s.upload_take_data("u").unwrap();
        assert_eq!(data.len(), 600_000);
        assert_eq!(s.mem_bytes, 0);
    }

    #[test]
    fn chunk_rules() {
        let mut s = state_with_session();
        let small = Bytes::from(vec![0u8; 1000]);
        let r = ContentRange::Chunk { start: 0, end: 999, total: Some(600_000) };
        assert_eq!(
            s.upload_put("u", r, &small, 5 << 20, false),
            Err(ChunkError::BadChunkSize { received_in_request: 1000 })
        );
        let odd = Bytes::from(vec![0u8; 300_000]);
        let r = ContentRange::Chunk { start: 0, end: 299_999, total: None };
        assert!(matches!(s.upload_put("u", r, &odd, 5 << 20, true), Err(ChunkError::BadChunkSize { .. })));
        let r = ContentRange::Chunk { start: 0, end: 999, total: Some(1000) };
        assert!(matches!(s.upload_put("u", r, &small, 5 << 20, false), Err(ChunkError::BadRange(_))));
        let r = ContentRange::Chunk { start: 0, end: 998, total: Some(600_000) };
        assert!(matches!(s.upload_put("u", r, &small, 5 << 20, false), Err(ChunkError::BadRange(_))));
        assert_eq!(s.upload_put("nope", r, &small, 5 << 20, false), Err(ChunkError::UnknownSession));
        let mut big = state_with_session();
        if let Some(sess) = big.uploads.get_mut("u") {
            sess.declared_total = None;
        }
        let r = ContentRange::Chunk { start: 0, end: 999, total: Some(1000) };
        assert_eq!(big.upload_put("u", r, &small, 500, false), Err(ChunkError::TooLarge));
    }

    #[test]
    fn download_ranges() {
        assert_eq!(parse_range(Some("bytes=0-9"), 100), ByteRange::Partial { start: 0, end: 9 });
        assert_eq!(parse_range(Some("bytes=90-"), 100), ByteRange::Partial { start: 90, end: 99 });
        assert_eq!(parse_range(Some("bytes=-10"), 100), ByteRange::Partial { start: 90, end: 99 });
        assert_eq!(parse_range(Some("bytes=95-200"), 100), ByteRange::Partial { start: 95, end: 99 });
        assert_eq!(parse_range(Some("bytes=100-"), 100), ByteRange::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), ByteRange::Full);
        assert_eq!(parse_range(Some("garbage"), 100), ByteRange::Full);
        assert_eq!(parse_range(None, 100), ByteRange::Full);
    }
}
