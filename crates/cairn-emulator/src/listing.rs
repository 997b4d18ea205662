//! Listing machinery shared by both Drive personalities: `orderBy` parsing and sorting, opaque
//! page tokens / cursors bound to the query that produced them, and page slicing with the
//! optional "partial or empty pages" quirks.

use std::cmp::Ordering;

use crate::config::Settings;
use crate::query::Dialect;
use crate::state::FileEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderKey {
    Created,
    Modified,
    Name,
    NameNatural,
    Size,
    Folder,
    Starred,
}

/// Parses `orderBy` (`key[ desc],…`). `Err` means 400.
pub(crate) fn parse_order(spec: Option<&str>, dialect: Dialect) -> Result<Vec<(OrderKey, bool)>, ()> {
    let Some(spec) = spec.filter(|s| !s.trim().is_empty()) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for item in spec.split(',') {
        let mut words = item.split_whitespace();
        let key = words.next().ok_or(())?;
        let desc = match words.next() {
            None => false,
            Some(w) if w.eq_ignore_ascii_case("desc") => true,
            Some(w) if w.eq_ignore_ascii_case("asc") => false,
            Some(_) => return Err(()),
        };
        if words.next().is_some() {
            return Err(());
        }
        let key = match (dialect, key) {
            (_, "createdTime") => OrderKey::Created,
            (
                Dialect::Google,
                "modifiedTime" | "modifiedByMeTime" | "recency" | "viewedByMeTime" | "sharedWithMeTime",
            )
            | (Dialect::Huawei, "editedTime") => OrderKey::Modified,
            (Dialect::Google, "name") | (Dialect::Huawei, "fileName") => OrderKey::Name,
            (Dialect::Google, "name_natural") => OrderKey::NameNatural,
            (Dialect::Google, "quotaBytesUsed") | (Dialect::Huawei, "size") => OrderKey::Size,
            (_, "folder") => OrderKey::Folder,
            (Dialect::Google, "starred") => OrderKey::Starred,
            _ => return Err(()),
        };
        out.push((key, desc));
        if out.len() > 16 {
            return Err(());
        }
    }
    Ok(out)
}

/// Compares names the way people read numbers in them ("w2" < "w10").
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut ai, mut bi) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (ai.peek().copied(), bi.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let mut na = String::new();
                while let Some(c) = ai.peek().copied().filter(char::is_ascii_digit) {
                    na.push(c);
                    ai.next();
                }
                let mut nb = String::new();
                while let Some(c) = bi.peek().copied().filter(char::is_ascii_digit) {
                    nb.push(c);
                    bi.next();
                }
                let ta = na.trim_start_matches('0');
                let tb = nb.trim_start_matches('0');
                let ord = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            (Some(x), Some(y)) => {
                let ord = x.to_lowercase().cmp(y.to_lowercase());
                if ord != Ordering::Equal {
                    return ord;
                }
                ai.next();
                bi.next();
            }
        }
    }
}

/// Sorts by the keys; ties (and no keys) fall back to creation order, then id.
pub(crate) fn sort(files: &mut [&FileEntry], order: &[(OrderKey, bool)]) {
    files.sort_by(|a, b| {
        for (key, desc) in order {
            let ord = match key {
                OrderKey::Created => a.created_ms.cmp(&b.created_ms),
                OrderKey::Modified => a.modified_ms.cmp(&b.modified_ms),
                OrderKey::Name => a.name.cmp(&b.name),
                OrderKey::NameNatural => natural_cmp(&a.name, &b.name),
                OrderKey::Size => a.size().cmp(&b.size()),
                // Folders first when ascending.
                OrderKey::Folder => b.is_folder().cmp(&a.is_folder()),
                OrderKey::Starred => a.starred.cmp(&b.starred),
            };
            let ord = if *desc { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.seq.cmp(&b.seq).then_with(|| a.id.cmp(&b.id))
    });
}

/// FNV-1a over the parts that define a listing, so a token cannot be replayed on another query.
pub(crate) fn fingerprint(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageToken {
    pub offset: usize,
    /// The empty page for this offset was already served (empty-pages quirk).
    pub empty_served: bool,
    pub issued_ms: i64,
}

pub(crate) fn encode_token(t: PageToken, fingerprint: u64) -> String {
    hex::encode(format!("v1:{}:{}:{}:{fingerprint:016x}", t.offset, u8::from(t.empty_served), t.issued_ms))
}

/// `Err` = not a token this listing issued (the services answer 400).
pub(crate) fn decode_token(text: &str, fingerprint: u64) -> Result<PageToken, ()> {
    if text.len() > 256 {
        return Err(());
    }
    let raw = hex::decode(text).map_err(|_| ())?;
    let raw = String::from_utf8(raw).map_err(|_| ())?;
    let mut it = raw.split(':');
    if it.next() != Some("v1") {
        return Err(());
    }
    let offset = it.next().and_then(|s| s.parse().ok()).ok_or(())?;
    let empty_served = match it.next() {
        Some("0") => false,
        Some("1") => true,
        _ => return Err(()),
    };
    let issued_ms = it.next().and_then(|s| s.parse().ok()).ok_or(())?;
    let fp = it.next().and_then(|s| u64::from_str_radix(s, 16).ok()).ok_or(())?;
    if fp != fingerprint || it.next().is_some() {
        return Err(());
    }
    Ok(PageToken { offset, empty_served, issued_ms })
}

/// One page's slice of `total` items and the token for the next page, if any.
pub(crate) fn paginate(
    total: usize,
    token: Option<PageToken>,
    page_size: usize,
    settings: &Settings,
    now_ms: i64,
) -> (std::ops::Range<usize>, Option<PageToken>) {
    let offset = token.map_or(0, |t| t.offset).min(total);
    if settings.empty_pages && offset > 0 && token.is_some_and(|t| !t.empty_served) {
        return (offset..offset, Some(PageToken { offset, empty_served: true, issued_ms: now_ms }));
    }
    let cap =
        settings.max_page_size.map_or(page_size, |m| page_size.min(usize::try_from(m.max(1)).unwrap_or(1)));
    let end = offset.saturating_add(cap).min(total);
    let next = (end < total).then_some(PageToken { offset: end, empty_served: false, issued_ms: now_ms });
    (offset..end, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_specs() {
        assert_eq!(
            parse_order(Some("folder,modifiedTime desc,name"), Dialect::Google).unwrap(),
            vec![(OrderKey::Folder, false), (OrderKey::Modified, true), (OrderKey::Name, false)]
        );
        assert!(parse_order(Some("bogus"), Dialect::Google).is_err());
        assert!(parse_order(Some("name sideways"), Dialect::Google).is_err());
        assert!(parse_order(Some("fileName"), Dialect::Google).is_err());
        assert!(parse_order(Some("fileName desc,editedTime"), Dialect::Huawei).is_ok());
        assert_eq!(natural_cmp("w2", "w10"), Ordering::Less);
        assert_eq!(natural_cmp("W02", "w2"), Ordering::Equal);
    }

    #[test]
    fn tokens_are_bound_to_their_listing() {
        let t = PageToken { offset: 2, empty_served: false, issued_ms: 5 };
        let s = encode_token(t, 42);
        assert_eq!(decode_token(&s, 42), Ok(t));
        assert!(decode_token(&s, 43).is_err());
        assert!(decode_token("zz", 42).is_err());
        assert!(decode_token(&hex::encode("v1:x:0:1:2a"), 42).is_err());
    }

    #[test]
    fn pages_and_quirks() {
        let mut settings = Settings::default();
        let (r, next) = paginate(3, None, 2, &settings, 0);
        assert_eq!((r, next.map(|t| t.offset)), (0..2, Some(2)));
        let (r, next) = paginate(3, next, 2, &settings, 0);
        assert_eq!((r, next), (2..3, None));
        settings.empty_pages = true;
        settings.max_page_size = Some(1);
        let (r, next) = paginate(3, None, 2, &settings, 0);
        assert_eq!(r, 0..1);
        let (r, next) = paginate(3, next, 2, &settings, 0);
        assert_eq!(r, 1..1);
        let (r, _) = paginate(3, next, 2, &settings, 0);
        assert_eq!(r, 1..2);
    }
}
