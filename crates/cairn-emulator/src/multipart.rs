//! `multipart/related` bodies (RFC 2387) as Google and Huawei multipart uploads send them: a
//! JSON metadata part, then the media part. The whole body is already in memory (capped), so
//! this is a strict slice parser that never copies the media.

use bytes::Bytes;

/// One part: its headers (names lower-cased) and its body.
#[derive(Debug)]
pub(crate) struct Part {
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Part {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Why the body was refused (surfaced to the client as a 400 message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MultipartError {
    NotMultipart,
    NoBoundary,
    MissingOpeningBoundary,
    MissingClosingBoundary,
    BadPartHeaders,
    TooManyParts,
}

impl MultipartError {
    pub(crate) fn message(&self) -> &'static str {
        match self {
            Self::NotMultipart => "The request Content-Type is not multipart/related.",
            Self::NoBoundary => "The multipart Content-Type has no boundary parameter.",
            Self::MissingOpeningBoundary => "Malformed multipart body: the opening boundary is missing.",
            Self::MissingClosingBoundary => "Malformed multipart body: the closing boundary is missing.",
            Self::BadPartHeaders => "Malformed multipart body: a part's headers are invalid.",
            Self::TooManyParts => "Malformed multipart body: too many parts.",
        }
    }
}

const MAX_PARTS: usize = 8;

/// Returns the boundary of a `multipart/related` (or `multipart/mixed`/`form-data`, accepted
/// leniently) Content-Type value.
pub(crate) fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut params = content_type.split(';');
    let mime = params.next().unwrap_or("").trim().to_ascii_lowercase();
    if !mime.starts_with("multipart/") {
        return Err(MultipartError::NotMultipart);
    }
    for p in params {
        let Some((k, v)) = p.split_once('=') else { continue };
        if k.trim().eq_ignore_ascii_case("boundary") {
            let v = v.trim().trim_matches('"');
            if v.is_empty() || v.len() > 200 {
                return Err(MultipartError::NoBoundary);
            }
            return Ok(v.to_owned());
        }
    }
    Err(MultipartError::NoBoundary)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Splits `body` into parts.
pub(crate) fn parse(content_type: &str, body: &Bytes) -> Result<Vec<Part>, MultipartError> {
    let boundary = boundary(content_type)?;
    let delim = format!("--{boundary}").into_bytes();
    // The first delimiter may be preceded by a preamble, and must start a line.
    let mut pos = match find(body, &delim, 0) {
        Some(0) => 0,
        Some(_) => {
            let mut crlf_delim = b"\r\n".to_vec();
            crlf_delim.extend_from_slice(&delim);
            let mut lf_delim = b"\n".to_vec();
            lf_delim.extend_from_slice(&delim);
            match (find(body, &crlf_delim, 0), find(body, &lf_delim, 0)) {
                (Some(p), _) => p + 2,
                (None, Some(p)) => p + 1,
                _ => return Err(MultipartError::MissingOpeningBoundary),
            }
        }
        None => return Err(MultipartError::MissingOpeningBoundary),
    };
    let mut parts = Vec::new();
    loop {
        pos += delim.len();
        if body.get(pos..pos + 2) == Some(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the line break ending the delimiter line.
        while matches!(body.get(pos), Some(b' ' | b'\t')) {
            pos += 1;
        }
        pos = match (body.get(pos), body.get(pos + 1)) {
            (Some(b'\r'), Some(b'\n')) => pos + 2,
            (Some(b'\n'), _) => pos + 1,
            (None, _) => return Err(MultipartError::MissingClosingBoundary),
            _ => return Err(MultipartError::BadPartHeaders),
        };
        if parts.len() == MAX_PARTS {
            return Err(MultipartError::TooManyParts);
        }
        // Headers end at the first empty line.
        let mut headers = Vec::new();
        loop {
            let line_end = find(body, b"\n", pos).ok_or(MultipartError::MissingClosingBoundary)?;
            let line = body.get(pos..line_end).ok_or(MultipartError::BadPartHeaders)?;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            pos = line_end + 1;
            if line.is_empty() {
                break;
            }
            let text = std::str::from_utf8(line).map_err(|_| MultipartError::BadPartHeaders)?;
            let (k, v) = text.split_once(':').ok_or(MultipartError::BadPartHeaders)?;
            if headers.len() >= 16 {
                return Err(MultipartError::BadPartHeaders);
            }
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
        // The part's body runs to the line break before the next delimiter.
        let mut next_delim = b"\n".to_vec();
        next_delim.extend_from_slice(&delim);
        let next = find(body, &next_delim, pos).ok_or(MultipartError::MissingClosingBoundary)?;
        let end = if next > pos && body.get(next - 1) == Some(&b'\r') { next - 1 } else { next };
        parts.push(Part { headers, body: body.slice(pos..end.max(pos)) });
        pos = next + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let body = Bytes::from_static(
            b"--foo_bar_baz\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"name\":\"a\"}\r\n--foo_bar_baz\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--\xff\r\n--foo_bar_baz--\r\n",
        );
        let parts = parse("multipart/related; boundary=foo_bar_baz", &body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].header("content-type"), Some("application/json; charset=UTF-8"));
        assert_eq!(&parts[0].body[..], b"{\"name\":\"a\"}");
        assert_eq!(&parts[1].body[..], b"\x00\x01\r\n--\xff");
    }

    #[test]
    fn accepts_quoted_boundary_and_bare_newlines() {
        let body = Bytes::from_static(b"preamble\n--b\nContent-Type: text/plain\n\nhi\n--b--");
        let parts = parse("multipart/related; boundary=\"b\"", &body).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(&parts[0].body[..], b"hi");
    }

    #[test]
    fn rejects_malformed_bodies() {
        let ct = "multipart/related; boundary=b";
        let cases: [(&[u8], MultipartError); 5] = [
            (b"--b\r\nContent-Type: a\r\n\r\nhi\r\n", MultipartError::MissingClosingBoundary),
            (b"hello", MultipartError::MissingOpeningBoundary),
            (b"--b\r\nno colon\r\n\r\nhi\r\n--b--", MultipartError::BadPartHeaders),
            (b"--b\r\nContent-Type: a\r\n", MultipartError::MissingClosingBoundary),
            (b"--b", MultipartError::MissingClosingBoundary),
        ];
        for (body, want) in cases {
            assert_eq!(parse(ct, &Bytes::copy_from_slice(body)).unwrap_err(), want);
        }
        assert_eq!(parse("application/json", &Bytes::new()).unwrap_err(), MultipartError::NotMultipart);
        assert_eq!(parse("multipart/related", &Bytes::new()).unwrap_err(), MultipartError::NoBoundary);
        let many = "--b\r\n\r\nx\r\n".repeat(20) + "--b--";
        assert_eq!(parse(ct, &Bytes::from(many)).unwrap_err(), MultipartError::TooManyParts);
    }
}
